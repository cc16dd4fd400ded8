using Formation.Engine.Configuration;
using Formation.Engine.Os;
using Formation.Engine.Supervision;
using Formation.Engine.Tests.Support;

namespace Formation.Engine.Tests.Os;

/// <summary>The watchdog that outlives a killed manager: it never forgets a live group (issue 11.1), and knows each formation's marker while it runs.</summary>
public class WatchdogTests : ProcessTest
{
    [Fact]
    public async Task Watchdog_NeverForgetsAGroupThatIsStillAlive()
    {
        var f = Create(Options("web: echo up; exec sleep 100\n"));
        var events = new Events(f);
        f.Start();
        await events.UntilLine("web.1", "up");
        var pgid = f.GetProcess("web.1")!.ProcessId!.Value;
        Assert.Contains(pgid, Watchdog.Recorded);

        Watchdog.Remove(pgid);
        Assert.Contains(pgid, Watchdog.Recorded);

        await f.StopAsync().WaitAsync(Patience);
        Watchdog.Remove(pgid);
        Assert.DoesNotContain(pgid, Watchdog.Recorded);
    }

    [Fact]
    public async Task Watchdog_KnowsTheFormationsMarker_UntilTheFormationHasEnded()
    {
        var f = Create(Options("web: echo up; exec sleep 100\n"));
        var events = new Events(f);
        f.Start();
        await events.UntilLine("web.1", "up");
        Assert.Contains(f.Plan.Marker, Watchdog.RecordedMarkers);

        await f.StopAsync().WaitAsync(Patience);

        Assert.DoesNotContain(f.Plan.Marker, Watchdog.RecordedMarkers);
    }
}
