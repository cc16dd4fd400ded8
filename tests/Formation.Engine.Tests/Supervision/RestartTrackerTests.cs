using Formation.Engine.Configuration;
using Formation.Engine.Supervision;

namespace Formation.Engine.Tests.Supervision;

/// <summary>The crash-loop arithmetic (<see cref="RestartTracker.Next"/>), the function the policy calls.</summary>
public class RestartTrackerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(1);

    [Fact]
    public void Next_Defaults_BackOff1248_ThenGiveUpAtTheFifth()
    {
        IReadOnlyList<DateTimeOffset> ends = [];
        var now = T0;
        var delays = new List<TimeSpan?>();

        for (var i = 0; i < 5; i++)
        {
            (ends, var d) = RestartTracker.Next(ends, RestartSettings.Default, now, Short);
            delays.Add(d);
            now += (d ?? TimeSpan.Zero) + Short;
        }

        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8), null], delays);
    }

    [Fact]
    public void Next_DelayIsCappedAtTheMaximum()
    {
        var settings = RestartSettings.Default with { MaxFailures = 100, Window = TimeSpan.FromDays(1) };
        IReadOnlyList<DateTimeOffset> ends = [];
        TimeSpan? last = null;

        for (var i = 0; i < 10; i++) (ends, last) = RestartTracker.Next(ends, settings, T0.AddSeconds(i), Short);

        Assert.Equal(TimeSpan.FromSeconds(30), last);
    }

    [Fact]
    public void Next_EndsOutsideTheWindow_AreForgotten()
    {
        IReadOnlyList<DateTimeOffset> ends = [];
        for (var i = 0; i < 4; i++) (ends, _) = RestartTracker.Next(ends, RestartSettings.Default, T0.AddSeconds(i), Short);

        var (kept, delay) = RestartTracker.Next(ends, RestartSettings.Default, T0.AddSeconds(62), Short);

        Assert.NotNull(delay);
        Assert.True(kept.Count < 5);
    }

    [Fact]
    public void Next_ARunLongerThanResetAfter_ClearsTheCount()
    {
        IReadOnlyList<DateTimeOffset> ends = [];
        for (var i = 0; i < 4; i++) (ends, _) = RestartTracker.Next(ends, RestartSettings.Default, T0.AddSeconds(i), Short);

        var (kept, delay) = RestartTracker.Next(ends, RestartSettings.Default, T0.AddSeconds(40), TimeSpan.FromSeconds(31));

        Assert.Equal(TimeSpan.FromSeconds(1), delay);
        Assert.Single(kept);
    }
}
