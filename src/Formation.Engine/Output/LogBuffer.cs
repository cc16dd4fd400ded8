namespace Formation.Engine.Output;

/// <summary>
/// A bounded, thread-safe ring of the most recent log lines. Its array grows with the lines it holds (up to the
/// capacity), so 1,000 quiet instances do not each hold a 1,000-slot array.
/// </summary>
internal sealed class LogBuffer(int capacity)
{
    private const int FirstSize = 16;

    private readonly object _gate = new();
    private readonly int _capacity = Math.Max(capacity, 0);
    private LogLine?[] _lines = [];
    private int _next;
    private int _count;

    public void Add(LogLine line)
    {
        if (_capacity == 0) return;
        lock (_gate)
        {
            if (_count == _lines.Length && _lines.Length < _capacity)
            {
                // Not full yet, so the lines are in order from 0: a larger array keeps them there.
                Array.Resize(ref _lines, Math.Min(_capacity, Math.Max(FirstSize, _lines.Length * 2)));
                _next = _count;
            }
            _lines[_next] = line;
            _next = (_next + 1) % _lines.Length;
            if (_count < _lines.Length) _count++;
        }
    }

    /// <summary>The last <paramref name="tail"/> lines (all when null), oldest first.</summary>
    public LogLine[] Snapshot(int? tail = null)
    {
        lock (_gate)
        {
            var n = Math.Min(_count, tail ?? _count);
            var result = new LogLine[n];
            for (var i = 0; i < n; i++)
                result[i] = _lines[(_next - n + i + _lines.Length) % _lines.Length]!;
            return result;
        }
    }
}
