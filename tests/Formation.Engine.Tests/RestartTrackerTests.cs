using Formation.Engine.Configuration;
using Formation.Engine.Supervision;

namespace Formation.Engine.Tests;

public class RestartTrackerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(1);

    [Fact]
    public void RecordEnd_Defaults_BackOff1248_ThenGiveUpAtTheFifth()
    {
        var tracker = new RestartTracker(RestartSettings.Default);
        var now = T0;
        var delays = new List<TimeSpan?>();

        for (var i = 0; i < 5; i++)
        {
            var d = tracker.RecordEnd(now, Short);
            delays.Add(d);
            now += (d ?? TimeSpan.Zero) + Short;
        }

        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8), null], delays);
    }

    [Fact]
    public void RecordEnd_DelayIsCappedAtTheMaximum()
    {
        var tracker = new RestartTracker(RestartSettings.Default with { MaxFailures = 100, Window = TimeSpan.FromDays(1) });
        TimeSpan? last = null;

        for (var i = 0; i < 10; i++) last = tracker.RecordEnd(T0.AddSeconds(i), Short);

        Assert.Equal(TimeSpan.FromSeconds(30), last);
    }

    [Fact]
    public void RecordEnd_EndsOutsideTheWindow_AreForgotten()
    {
        var tracker = new RestartTracker(RestartSettings.Default);
        for (var i = 0; i < 4; i++) tracker.RecordEnd(T0.AddSeconds(i), Short);

        var delay = tracker.RecordEnd(T0.AddSeconds(62), Short);

        Assert.NotNull(delay);
        Assert.True(tracker.Count < 5);
    }

    [Fact]
    public void RecordEnd_ARunLongerThanResetAfter_ClearsTheCount()
    {
        var tracker = new RestartTracker(RestartSettings.Default);
        for (var i = 0; i < 4; i++) tracker.RecordEnd(T0.AddSeconds(i), Short);

        var delay = tracker.RecordEnd(T0.AddSeconds(40), TimeSpan.FromSeconds(31));

        Assert.Equal(TimeSpan.FromSeconds(1), delay);
        Assert.Equal(1, tracker.Count);
    }
}
