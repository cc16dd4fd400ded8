namespace Formation.Engine.Supervision;

/// <summary>
/// Back-pressure for one formation's output: at most <see cref="Limit"/> batches queued for its subscribers.
/// A reader that queues past the limit pauses its own pipe (it never waits on the shared reader thread), and
/// every paused pipe of the formation resumes once the subscribers have caught up to half the limit. So a slow
/// subscriber slows the writers of its own formation only, and no line is lost or split.
/// </summary>
internal sealed class OutputFlow
{
    public const int Limit = 16;

    private readonly object _gate = new();
    private List<Action> _paused = [];
    private int _queued;

    /// <summary>
    /// Counts a queued batch. Past the limit, <paramref name="pause"/> runs now (under the flow's lock, so a
    /// resume cannot overtake it) and <paramref name="resume"/> once the subscribers caught up.
    /// </summary>
    public void Queued(Action pause, Action resume)
    {
        lock (_gate)
        {
            if (++_queued < Limit) return;
            pause();
            _paused.Add(resume);
        }
    }

    /// <summary>A batch reached the subscribers.</summary>
    public void Delivered()
    {
        List<Action>? wake = null;
        lock (_gate)
        {
            if (--_queued <= Limit / 2 && _paused.Count > 0)
            {
                wake = _paused;
                _paused = [];
            }
        }
        wake?.ForEach(resume => resume());
    }
}
