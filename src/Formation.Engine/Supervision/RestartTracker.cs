using Formation.Engine.Configuration;

namespace Formation.Engine.Supervision;

/// <summary>
/// The crash-loop policy of one instance: exponential backoff from the initial delay, doubling up to the
/// maximum; <see cref="RestartSettings.MaxFailures"/> ends within the window mean give up; a run longer
/// than <see cref="RestartSettings.ResetAfter"/> clears the count.
/// </summary>
internal sealed class RestartTracker(RestartSettings settings)
{
    private readonly Queue<DateTimeOffset> _ends = new();

    /// <summary>Ends counted in the current window.</summary>
    public int Count => _ends.Count;

    /// <summary>Records an unrequested end. Returns the delay before the restart, or null to give up.</summary>
    public TimeSpan? RecordEnd(DateTimeOffset now, TimeSpan runTime)
    {
        if (runTime > settings.ResetAfter) _ends.Clear();
        _ends.Enqueue(now);
        while (_ends.Peek() < now - settings.Window) _ends.Dequeue();
        if (_ends.Count >= settings.MaxFailures) return null;
        var factor = Math.Pow(2, _ends.Count - 1);
        var delay = TimeSpan.FromTicks((long)Math.Min(settings.InitialDelay.Ticks * factor, settings.MaxDelay.Ticks));
        return delay;
    }

    public void Reset() => _ends.Clear();
}
