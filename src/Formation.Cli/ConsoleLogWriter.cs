using System.Buffers;
using System.Text;
using Formation.Engine.Output;

namespace Formation.Cli;

/// <summary>
/// The only writer of stdout: renders each line whole into a buffer and writes the buffer in one call
/// when the formation's event queue runs dry (or the buffer is large), so lines never interleave and a
/// burst of output costs a few system calls. A closed stdout (EPIPE) stops the writing, not the manager.
/// </summary>
internal sealed class ConsoleLogWriter(Stream output, LogFormatter formatter)
{
    private const int FlushThreshold = 64 * 1024;
    private static readonly Encoding Utf8 = new UTF8Encoding(false);
    private readonly object _gate = new();
    private readonly StringBuilder _pending = new(FlushThreshold * 2);
    private bool _broken;

    public LogFormatter Formatter { get; } = formatter;

    public void Write(LogLine line)
    {
        lock (_gate)
        {
            Formatter.Append(_pending, line);
            if (_pending.Length >= FlushThreshold) FlushLocked();
        }
    }

    public void Flush()
    {
        lock (_gate) FlushLocked();
    }

    private void FlushLocked()
    {
        if (_pending.Length == 0) return;
        if (_broken)
        {
            _pending.Clear();
            return;
        }
        var count = Utf8.GetMaxByteCount(_pending.Length);
        var bytes = ArrayPool<byte>.Shared.Rent(count);
        try
        {
            var n = 0;
            foreach (var chunk in _pending.GetChunks()) n += Utf8.GetBytes(chunk.Span, bytes.AsSpan(n));
            output.Write(bytes, 0, n);
            output.Flush();
        }
        catch (IOException)
        {
            _broken = true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
            _pending.Clear();
        }
    }
}
