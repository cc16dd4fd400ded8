using System.Net.Sockets;

namespace Formation.Engine.Control;

/// <summary>
/// One end of a control connection: newline-delimited messages over a Unix domain socket, as both the endpoint
/// and the client use it. Lines are read into one buffer that grows up to a bound (a longer line is reported,
/// never read to its end); messages are written whole, one at a time.
/// </summary>
internal sealed class LineSocket(Socket socket) : IDisposable
{
    public enum Read
    {
        /// <summary>A line (without its newline).</summary>
        Line,

        /// <summary>The other end closed its side: nothing more will come.</summary>
        End,

        /// <summary>A line longer than the bound: the connection cannot be read further.</summary>
        TooLong,
    }

    private readonly SemaphoreSlim _writing = new(1, 1);
    private byte[] _buffer = new byte[4096];
    private int _start, _end, _scanned;

    public Socket Socket { get; } = socket;

    /// <summary>The next line. Its memory is valid until the next call.</summary>
    /// <param name="maxBytes">The longest line accepted, without its newline.</param>
    /// <param name="cancellationToken">Cancels the wait for more bytes.</param>
    public async ValueTask<(Read Status, ReadOnlyMemory<byte> Line)> ReadLineAsync(int maxBytes, CancellationToken cancellationToken)
    {
        while (true)
        {
            var newline = _buffer.AsSpan(_scanned, _end - _scanned).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var line = _buffer.AsMemory(_start, _scanned + newline - _start);
                _start = _scanned = _scanned + newline + 1;
                if (line.Length > maxBytes) return (Read.TooLong, default);
                return (Read.Line, line);
            }
            _scanned = _end;
            if (_end - _start > maxBytes) return (Read.TooLong, default);
            MakeRoom(maxBytes);
            var count = await Socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (count == 0)
            {
                // The last line may come without its newline (printf '{...}' | socat): it is still a line.
                if (_end == _start) return (Read.End, default);
                var last = _buffer.AsMemory(_start, _end - _start);
                _start = _scanned = _end;
                return (Read.Line, last);
            }
            _end += count;
        }
    }

    /// <summary>Writes one whole message; concurrent writers take turns, so messages never interleave.</summary>
    public async Task SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        await _writing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (!message.IsEmpty)
            {
                var sent = await Socket.SendAsync(message, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                message = message[sent..];
            }
        }
        finally
        {
            _writing.Release();
        }
    }

    public void Dispose() => Socket.Dispose();

    /// <summary>Room for at least one more byte: the unread part moves to the front, or the buffer doubles (to the bound and one).</summary>
    private void MakeRoom(int maxBytes)
    {
        if (_end < _buffer.Length) return;
        var unread = _end - _start;
        if (_start > 0 && unread < _buffer.Length / 2)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, unread);
        }
        else
        {
            var larger = new byte[(int)Math.Min(Math.Max(_buffer.Length * 2L, 4096), maxBytes + 2L)];
            Buffer.BlockCopy(_buffer, _start, larger, 0, unread);
            _buffer = larger;
        }
        _scanned -= _start;
        _end = unread;
        _start = 0;
    }
}
