using Formation.Engine.Supervision;
using Formation.Engine.Tests.Support;

namespace Formation.Engine.Tests.Supervision;

/// <summary>
/// Scripted histories of a stop through the real loop: what it signals, in which order, as each group ends
/// (<see cref="SupervisionPolicy.NextStops"/>). The stops are held until the history says a group is gone.
/// </summary>
public class OrderedStopTests
{
    /// <summary>db ← web ← worker (each after the one before), and clock after nothing.</summary>
    private static ScriptedFormation Chain(bool ordered = true) =>
        new ScriptedFormation { HoldStops = true, OrderedStop = ordered }
            .Type("db").Type("web", after: "db").Type("worker", count: 2, after: "web").Type("clock")
            .Settle();

    [Fact]
    public void NextStops_WithAfter_StopsDependentsFirstThenWhatTheyDependOn()
    {
        var f = Chain();
        Assert.All(f.Loop.Processes, p => Assert.True(p.IsLive));

        f.StopFormation();
        var first = Signalled(f);
        f.GroupGone("worker.1");
        var oneWorkerLeft = Signalled(f);
        f.GroupGone("worker.2");
        var afterWorkers = Signalled(f);
        f.GroupGone("clock.1");
        f.GroupGone("web.1");
        var afterWeb = Signalled(f);
        f.GroupGone("db.1");

        // worker and clock have nothing after them: they stop together; web once every worker is gone; db last.
        Assert.Equal(["worker.1", "worker.2", "clock.1"], first);
        Assert.Equal(first, oneWorkerLeft);
        Assert.Equal([.. first, "web.1"], afterWorkers);
        Assert.Equal([.. afterWorkers, "db.1"], afterWeb);
        Assert.Equal("sweep", f.EdgeCalls[^1]);
        Assert.Equal(FormationState.Stopped, f.State);
    }

    [Fact]
    public void NextStops_WithAfter_NamesEachStepInItsLine()
    {
        var f = Chain();

        f.StopFormation();
        foreach (var name in new[] { "worker.1", "worker.2", "clock.1", "web.1" }) f.GroupGone(name);

        Assert.Equal(
        [
            "sending SIGTERM to worker, clock (web, db after them: reverse start order)",
            "sending SIGTERM to web (db after it: reverse start order)",
            "sending SIGTERM to db",
        ], f.Decided.OfType<Decision.StopTypes>().Select(d => d.Line));
    }

    [Fact]
    public void NextStops_OrderedStopOff_StopsEveryTypeAtOnce()
    {
        var f = Chain(ordered: false);

        f.StopFormation();

        Assert.Equal(["db.1", "web.1", "worker.1", "worker.2", "clock.1"], Signalled(f));
        Assert.Equal("sending SIGTERM to all processes", Assert.Single(f.Decided.OfType<Decision.StopTypes>()).Line);
    }

    [Fact]
    public void NextStops_KillDuringAnOrderedStop_StopsEveryGroupLeftAtOnce()
    {
        var f = Chain();
        f.StopFormation();

        f.Kill();

        Assert.Equal(["worker.1", "worker.2", "clock.1", "db.1", "web.1"], Signalled(f));
    }

    [Fact]
    public void NextStops_WithoutAfter_StopsEveryTypeAtOnceAsBefore()
    {
        var f = new ScriptedFormation { HoldStops = true }.Type("web").Type("worker").Settle();

        f.StopFormation();

        Assert.Equal(["web.1", "worker.1"], Signalled(f));
        Assert.Equal("sending SIGTERM to all processes", Assert.Single(f.Decided.OfType<Decision.StopTypes>()).Line);
    }

    [Fact]
    public void NextStops_ADependentThatIsNotRunning_DoesNotHoldUpWhatItDependsOn()
    {
        var f = Chain();
        f.Stop("web.1");
        f.GroupGone("web.1");

        f.StopFormation();

        // web was stopped before: db has nothing to wait for, and stops with the rest.
        Assert.Equal(["web.1", "db.1", "worker.1", "worker.2", "clock.1"], Signalled(f));
    }

    [Fact]
    public void LongestStop_InOrder_IsTheStopTimeoutsAlongTheLongestAfterChain()
    {
        var ordered = Chain().Loop.Plan;
        var atOnce = Chain(ordered: false).Loop.Plan;
        var step = TimeSpan.FromSeconds(5) + Engine.Configuration.TypeSettings.KillWait;

        // worker after web after db: three steps; clock is on no chain.
        Assert.Equal(3 * step, ordered.LongestStop());
        Assert.Equal(step, atOnce.LongestStop());
        Assert.Equal(3 * (TimeSpan.FromSeconds(2) + Engine.Configuration.TypeSettings.KillWait), ordered.LongestStop(TimeSpan.FromSeconds(2)));
    }

    private static List<string> Signalled(ScriptedFormation f) =>
        f.EdgeCalls.Where(c => c.StartsWith("stop ", StringComparison.Ordinal)).Select(c => c["stop ".Length..]).ToList();
}
