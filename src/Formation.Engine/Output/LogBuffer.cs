namespace Formation.Engine.Output;

/// <summary>A bounded, thread-safe ring of the most recent log lines.</summary>
internal sealed class LogBuffer(int capacity)
{
    private readonly LogLine?[] _lines = new LogLine?[Math.Max(capacity, 0)];
    private int _next;
    private int _count;

    public void Add(LogLine line)
    {
        if (_lines.Length == 0) return;
        lock (_lines)
        {
            _lines[_next] = line;
            _next = (_next + 1) % _lines.Length;
            if (_count < _lines.Length) _count++;
        }
    }

    /// <summary>The last <paramref name="tail"/> lines (all when null), oldest first.</summary>
    public LogLine[] Snapshot(int? tail = null)
    {
        lock (_lines)
        {
            var n = Math.Min(_count, tail ?? _count);
            var result = new LogLine[n];
            for (var i = 0; i < n; i++)
                result[i] = _lines[(_next - n + i + _lines.Length) % _lines.Length]!;
            return result;
        }
    }
}
