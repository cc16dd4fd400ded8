using Formation.Engine.Configuration;

namespace Formation.Engine.Supervision;

/// <summary>
/// The crash-loop arithmetic of one instance: exponential backoff from the initial delay, doubling up to the
/// maximum; <see cref="RestartSettings.MaxFailures"/> ends within the window mean give up; a run longer
/// than <see cref="RestartSettings.ResetAfter"/> clears the count. <see cref="Next"/> is pure.
/// </summary>
internal static class RestartTracker
{
    /// <summary>The ends counted after one more at <paramref name="now"/>, and the delay before the restart (null: give up).</summary>
    public static (IReadOnlyList<DateTimeOffset> Ends, TimeSpan? Delay) Next(
        IReadOnlyList<DateTimeOffset> ends, RestartSettings settings, DateTimeOffset now, TimeSpan runTime)
    {
        var kept = runTime > settings.ResetAfter ? [] : ends.Where(e => e >= now - settings.Window).ToList();
        kept.Add(now);
        if (kept.Count >= settings.MaxFailures) return (kept, null);
        var factor = Math.Pow(2, kept.Count - 1);
        return (kept, TimeSpan.FromTicks((long)Math.Min(settings.InitialDelay.Ticks * factor, settings.MaxDelay.Ticks)));
    }
}
