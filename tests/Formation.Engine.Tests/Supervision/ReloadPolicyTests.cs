using Formation.Engine.Configuration;
using Formation.Engine.Supervision;
using Formation.Engine.Tests.Support;
using static Formation.Engine.Tests.Support.ScriptedFormation;

namespace Formation.Engine.Tests.Supervision;

/// <summary>
/// What a reload plans and how the loop takes it in (<see cref="ReloadPolicy"/>, <see cref="Supervisor.BeginReload"/>), on
/// scripted formations. The rolling restarts and the files themselves are tested with real processes (ReloadTests).
/// </summary>
public class ReloadPolicyTests
{
    [Fact]
    public void Plan_EachKindOfChange_SaysWhatAndWhy()
    {
        var f = new ScriptedFormation().Type("web").Type("worker").Type("clock").Settle();

        var plan = f.Ask(l => l.PlanReload(f.Next(Settings("web", 0, command: "serve --new"), Settings("worker", 1), Settings("jobs", 2))));

        Assert.Equal(
        [
            "web: restart (command)",
            "worker: keep (unchanged)",
            "jobs: start 0 → 1 (new in the Procfile)",
            "clock: stop 1 → 0 (not in the Procfile any more)",
        ], plan.Types.Select(t => t.ToString()));
        Assert.True(plan.HasChanges);
        Assert.Empty(plan.Notes);
    }

    [Fact]
    public void Plan_ATypeInsertedBeforeOthers_MovesTheirPortsAndRestartsTheHighestFirst()
    {
        var f = new ScriptedFormation().Type("web").Type("worker").Settle();
        var next = f.Next(Settings("clock", 0), Settings("web", 1), Settings("worker", 2));

        var plan = f.Ask(l => l.PlanReload(next));
        var (_, _, restarts) = f.Ask(l => l.BeginReload(next, plan));

        Assert.Equal(["clock: start 0 → 1 (new in the Procfile)", "web: restart (PORT 5000 → 5100)", "worker: restart (PORT 5100 → 5200)"],
            plan.Types.Select(t => t.ToString()));
        Assert.StartsWith("web, worker move to new ports: a type's ports follow its line in the Procfile", Assert.Single(plan.Notes));
        // worker leaves 5100 before web takes it.
        Assert.Equal(["worker.1", "web.1"], restarts);
    }

    [Fact]
    public void Plan_ACountSetAtRunTime_IsKeptUnlessTheFilesChangeIt()
    {
        var f = new ScriptedFormation().Type("web").Settle();
        f.Ask(l => l.BeginScale(l.Plan.Procfile.Types[0], 3, []));

        var same = f.Ask(l => l.PlanReload(f.Next(Settings("web", 0, count: 1))));
        var lowered = f.Ask(l => l.PlanReload(f.Next(Settings("web", 0, count: 2))));

        Assert.Equal("web: keep (unchanged)", Assert.Single(same.Types).ToString());
        Assert.Equal("web: scale 3 → 2 (count 3 → 2)", Assert.Single(lowered.Types).ToString());
    }

    [Fact]
    public void BeginReload_SettingsOnlyTheSupervisorReads_ChangeInPlaceAndTheRunGoesOn()
    {
        var f = new ScriptedFormation().Type("web").Settle();
        var run = f["web.1"].Run;
        var next = f.Next(Settings("web", 0, restart: RestartPolicy.Always) with { StopTimeout = TimeSpan.FromSeconds(10) });

        var plan = f.Ask(l => l.PlanReload(next));
        var (removed, _, restarts) = f.Ask(l => l.BeginReload(next, plan));

        Assert.Equal("web: keep (restart on-failure → always (in place); stop_timeout 5 s → 10 s (in place))", Assert.Single(plan.Types).ToString());
        Assert.Empty(removed);
        Assert.Empty(restarts);
        Assert.Same(run, f["web.1"].Run);
        Assert.Equal((RestartPolicy.Always, TimeSpan.FromSeconds(10)), (f["web.1"].Settings.Restart, f["web.1"].Settings.StopTimeout));
        Assert.DoesNotContain("stop web.1", f.EdgeCalls);
    }

    [Fact]
    public void BeginReload_AChangedCommand_IsTakenAtTheInstancesNextSpawn()
    {
        var f = new ScriptedFormation().Type("web", count: 2).Settle();
        var next = f.Next(Settings("web", 0, command: "serve --new", count: 2));

        var (_, _, restarts) = f.Ask(l => l.BeginReload(next, l.PlanReload(next)));

        Assert.Equal(["web.1", "web.2"], restarts);
        Assert.Equal("true", f["web.1"].Type.Command);
        Assert.Equal("serve --new", f["web.1"].Pending!.Settings.Type.Command);
    }
}
