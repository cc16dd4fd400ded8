namespace Formation.Engine.Supervision;

/// <summary>
/// Back-pressure for one formation's output: at most <see cref="Limit"/> bytes of lines (as they are held in
/// memory: <see cref="Weight"/>) queued for its subscribers. A reader that queues past the limit pauses its own
/// pipe (it never waits on the shared reader thread), and every paused pipe of the formation resumes once the
/// subscribers have caught up to half the limit. So a slow subscriber slows the writers of its own formation
/// only, no line is lost or split, and a flood of output holds a bounded amount of memory, whatever its lines'
/// length (a count of batches or lines would not: a batch of short lines is tens of thousands of objects).
/// </summary>
internal sealed class OutputFlow
{
    public const int Limit = 1024 * 1024;

    /// <summary>About what one line costs in memory besides its text: the line object and its slot in the batch.</summary>
    private const int LineOverhead = 96;

    private readonly object _gate = new();
    private List<Action> _paused = [];
    private long _queued;

    /// <summary>What a batch of <paramref name="lines"/> lines of <paramref name="chars"/> characters in all holds in memory.</summary>
    public static long Weight(int lines, long chars) => chars * sizeof(char) + (long)lines * LineOverhead;

    /// <summary>
    /// Counts a queued batch. Past the limit, <paramref name="pause"/> runs now (under the flow's lock, so a
    /// resume cannot overtake it) and <paramref name="resume"/> once the subscribers caught up.
    /// </summary>
    public void Queued(long weight, Action pause, Action resume)
    {
        lock (_gate)
        {
            _queued += weight;
            if (_queued < Limit) return;
            pause();
            _paused.Add(resume);
        }
    }

    /// <summary>A batch of that weight reached the subscribers.</summary>
    public void Delivered(long weight)
    {
        List<Action>? wake = null;
        lock (_gate)
        {
            _queued -= weight;
            if (_queued <= Limit / 2 && _paused.Count > 0)
            {
                wake = _paused;
                _paused = [];
            }
        }
        wake?.ForEach(resume => resume());
    }
}
