using Formation.Engine.Configuration;
using Formation.Engine.Os;
using Formation.Engine.Supervision;
using Formation.Engine.Tests.Support;

namespace Formation.Engine.Tests.Supervision;

/// <summary>Scripted histories on a fake clock through the one policy: no processes, no waiting.</summary>
public class SupervisionPolicyTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);
    private static readonly string Thirty = Duration.Format(TimeSpan.FromSeconds(30));

    [Fact]
    public void Decide_ACrashLoop_BacksOff1248_ThenGivesUpAtTheFifthEndInTheWindow()
    {
        var f = new ScriptedFormation().Type("web").Settle();
        var delays = new List<TimeSpan>();

        for (var i = 0; i < 4; i++)
        {
            f.Clock.Advance(Second);
            var restart = Assert.IsType<Decision.ScheduleRestart>(Assert.Single(f.Ended("web.1", 1)));
            delays.Add(restart.Delay);
            Assert.IsType<Decision.Spawn>(Assert.Single(f.Advance(restart.Delay)));
        }
        f.Clock.Advance(Second);
        var giveUp = Assert.IsType<Decision.GiveUp>(Assert.Single(f.Ended("web.1", 1)));

        Assert.Equal([Second, 2 * Second, 4 * Second, 8 * Second], delays);
        Assert.Equal($"ended 5 times within {Duration.Format(TimeSpan.FromMinutes(1))} (last exited with code 1); not restarting it", giveUp.Reason);
        Assert.Equal(ProcessState.Failed, f["web.1"].State);
        Assert.Equal((FormationEnd.Failed, OutcomeCause.GaveUp, FormationOutcome.ProcessFailedExitCode, "web.1"), (f.Result!.End, f.Result.Cause, f.Result.ExitCode, f.Result.Process));
    }

    [Fact]
    public void Decide_ARunLongerThanTheQuietPeriod_StartsTheBackoffAgain()
    {
        var f = new ScriptedFormation().Type("web").Settle();
        for (var i = 0; i < 3; i++)
        {
            var restart = Assert.IsType<Decision.ScheduleRestart>(Assert.Single(f.Ended("web.1", 1)));
            f.Advance(restart.Delay);
        }

        f.Clock.Advance(TimeSpan.FromSeconds(31));
        var after = Assert.IsType<Decision.ScheduleRestart>(Assert.Single(f.Ended("web.1", 1)));

        Assert.Equal(Second, after.Delay);
        Assert.Single(after.Ends);
    }

    [Fact]
    public void Decide_EndsOutsideTheWindow_AreForgotten()
    {
        var settings = RestartSettings.Default with { ResetAfter = TimeSpan.FromHours(1) };
        var ends = Enumerable.Range(0, 4).Select(i => DateTimeOffset.UnixEpoch.AddSeconds(i)).ToList();

        var (kept, delay) = RestartTracker.Next(ends, settings, DateTimeOffset.UnixEpoch.AddSeconds(62), Second);

        Assert.Equal(4 * Second, delay);
        Assert.Equal([ends[2], ends[3], DateTimeOffset.UnixEpoch.AddSeconds(62)], kept);
    }

    [Fact]
    public void Decide_ARestartThatCannotSpawn_EndsTheFormationWhenNothingElseRuns()
    {
        var f = new ScriptedFormation().Type("web").Settle();
        var restart = Assert.IsType<Decision.ScheduleRestart>(Assert.Single(f.Ended("web.1", 1)));
        f.Advance(restart.Delay);

        Assert.Empty(f.SpawnFailed("web.1", "command not found: './server'"));

        // Every process has ended, one of them because it could not start: that outranks a crash (5, not 3).
        Assert.Equal((FormationEnd.Failed, OutcomeCause.CouldNotStart, FormationOutcome.CouldNotStartExitCode, "web.1"), (f.Result!.End, f.Result.Cause, f.Result.ExitCode, f.Result.Process));
        Assert.Equal("web.1 could not start: command not found: './server'.", f.Result.Message);
    }

    [Fact]
    public void Decide_ARestartThatCannotSpawn_LeavesTheOthersRunning()
    {
        var f = new ScriptedFormation().Type("web").Type("worker").Settle();
        var restart = Assert.IsType<Decision.ScheduleRestart>(Assert.Single(f.Ended("web.1", 1)));
        f.Advance(restart.Delay);

        f.SpawnFailed("web.1", "working directory '/gone' does not exist");

        Assert.Null(f.Result);
        Assert.Equal(FormationState.Running, f.State);
    }

    [Fact]
    public void Decide_ASpawnThatFails_UnderExitOnError_StopsTheFormationWith127()
    {
        var f = new ScriptedFormation { ExitOnError = true }.Type("web").Type("worker").Settle();

        f.SpawnFailed("web.1", "command not found: 'rais'");

        Assert.Equal((OutcomeCause.ExitedUnderExitOnError, 127, "web.1"), (f.Result!.Cause, f.Result.ExitCode, f.Result.Process));
    }

    [Fact]
    public void Decide_ATaskThatFails_FailsTheStartWithItsCode()
    {
        var f = new ScriptedFormation().Type("release", task: true).Type("web", after: "release").Settle();

        var end = Assert.IsType<Decision.EndFormation>(Assert.Single(f.Ended("release.1", 2)));

        Assert.Equal((OutcomeCause.TaskFailed, 2, "release.1"), (end.Outcome.Cause, end.Outcome.ExitCode, end.Outcome.Process));
        Assert.Equal("start failed: task release.1 exited with code 2; stopping the formation", end.Line);
        // The real loop ends the instances that never ran as Stopped (the module shows them as NotStarted).
        Assert.Equal(ProcessState.Stopped, f["web.1"].State);
    }

    [Fact]
    public void Settle_ATaskThatExits0_StartsTheTypesAfterIt()
    {
        var f = new ScriptedFormation().Type("release", task: true).Type("web", after: "release").Settle();
        Assert.Equal(["web"], f.Loop.PendingTypes);

        f.Ended("release.1", 0);

        Assert.Empty(f.Loop.PendingTypes);
        Assert.Equal(ProcessState.Running, f["web.1"].State);
        Assert.Contains(f.Decided, d => d is Decision.StartType { Type: "web", Line: "starting web: release ready" });
    }

    [Fact]
    public void Decide_ADependencyThatEndsForGood_FailsTheStartOfTheTypesAfterIt()
    {
        var probe = new ReadyProbe(ReadyKind.Tcp);
        var f = new ScriptedFormation().Type("db", restart: RestartPolicy.Never, ready: probe).Type("web", after: "db").Settle();

        var end = Assert.IsType<Decision.EndFormation>(Assert.Single(f.Ended("db.1", 0)));

        Assert.Equal((OutcomeCause.DependencyEnded, FormationOutcome.NotReadyExitCode), (end.Outcome.Cause, end.Outcome.ExitCode));
        Assert.StartsWith("db.1 exited with code 0 and is not restarted, so the types after it cannot start.", end.Outcome.Message);
    }

    [Fact]
    public void Decide_AReadyTimeoutOfADependency_FailsTheStart_OfAnyOtherInstance_Nothing()
    {
        var probe = new ReadyProbe(ReadyKind.Tcp);
        var f = new ScriptedFormation().Type("db", ready: probe).Type("api", ready: probe).Type("web", after: "db").Settle();

        Assert.Empty(f.ReadyTimedOut("api.1"));
        var end = Assert.IsType<Decision.EndFormation>(Assert.Single(f.ReadyTimedOut("db.1")));

        Assert.Equal((OutcomeCause.NotReady, FormationOutcome.NotReadyExitCode, "db.1"), (end.Outcome.Cause, end.Outcome.ExitCode, end.Outcome.Process));
        Assert.Equal($"db.1 not ready within {Thirty} (tcp).", end.Outcome.Message);
    }

    [Fact]
    public void Readiness_WaitsForTheProbe_ThenSaysReady_OrSaysWhichWasNotReadyInTime()
    {
        var probe = new ReadyProbe(ReadyKind.Tcp);
        var f = new ScriptedFormation().Type("web", ready: probe).Type("worker").Settle();
        Assert.Null(SupervisionPolicy.Readiness(f.Loop));

        f.BecameReady("web.1");
        Assert.Equal(ReadinessVerdict.Ready, SupervisionPolicy.Readiness(f.Loop));

        var g = new ScriptedFormation().Type("web", ready: probe).Settle();
        g.ReadyTimedOut("web.1");
        Assert.Equal($"web.1 not ready within {Thirty} (tcp).", SupervisionPolicy.Readiness(g.Loop)!.Failure!.Message);
    }

    [Fact]
    public void Decide_OnFailureAndExit0_DoesNotRestart_AndTheFormationEndsWhenAllHaveEnded()
    {
        var f = new ScriptedFormation().Type("a").Type("b").Settle();

        Assert.Empty(f.Ended("a.1", 0));
        Assert.Null(f.Result);
        Assert.Empty(f.Ended("b.1", 0));

        Assert.Equal((FormationEnd.Completed, OutcomeCause.AllExited, 0), (f.Result!.End, f.Result.Cause, f.Result.ExitCode));
        Assert.Equal("every process has ended", Assert.IsType<Decision.EndFormation>(f.Decided[^1]).Line);
    }

    [Fact]
    public void Decide_AlwaysRestartsAfterExit0()
    {
        var f = new ScriptedFormation().Type("clock", restart: RestartPolicy.Always).Settle();

        Assert.IsType<Decision.ScheduleRestart>(Assert.Single(f.Ended("clock.1", 0)));
        Assert.Null(f.Result);
    }

    [Fact]
    public void Decide_ARestartDueAfterTheFormationStopped_SpawnsNothing()
    {
        var f = new ScriptedFormation { ExitOnError = true }.Type("web").Type("worker", restart: RestartPolicy.Never).Settle();
        Assert.IsType<Decision.ScheduleRestart>(Assert.Single(f.Ended("web.1", 1)));
        f.Ended("worker.1", 1);

        var due = SupervisionPolicy.Decide(f.Loop, new Happening.RestartDue(f["web.1"]), f.Clock.GetUtcNow());

        Assert.Equal(OutcomeCause.ExitedUnderExitOnError, f.Result!.Cause);
        Assert.Empty(due);
    }

    [Fact]
    public void Decide_AnExitAfterAStopRequest_IsNotACrash()
    {
        var f = new ScriptedFormation().Type("web").Settle();

        // The stop's signal ends the leader (the scripted edge reports it at once): no decision follows.
        Assert.Empty(f.Stop("web.1"));
        Assert.Equal(ProcessState.Stopped, f["web.1"].State);
    }

    [Fact]
    public void Decide_AStopDeadline_KillsTheGroup_SayingWhy()
    {
        var f = new ScriptedFormation().Type("web").Settle();

        var late = SupervisionPolicy.Decide(f.Loop, new Happening.StopDeadline("web.1", 4242, Signals.Term, TimeSpan.FromSeconds(5), false), f.Clock.GetUtcNow());
        var asked = SupervisionPolicy.Decide(f.Loop, new Happening.StopDeadline("web.1", 4242, Signals.Term, TimeSpan.FromSeconds(5), true), f.Clock.GetUtcNow());

        Assert.Equal([new Decision.KillGroup(4242, $"killing web.1 (pgid 4242): still running {Duration.Format(TimeSpan.FromSeconds(5))} after SIGTERM")], late);
        Assert.Equal([new Decision.KillGroup(4242, "killing web.1 (pgid 4242)")], asked);
    }

    [Fact]
    public void Settle_AnEmptyFormation_EndsAtOnce()
    {
        var f = new ScriptedFormation().Settle();

        Assert.Equal((FormationEnd.Completed, OutcomeCause.AllExited, 0), (f.Result!.End, f.Result.Cause, f.Result.ExitCode));
        Assert.Equal("no processes to run", Assert.IsType<Decision.EndFormation>(Assert.Single(f.Decided)).Line);
    }

    [Fact]
    public void Settle_StartsTypesInDependencyOrder_AsTheirDependenciesBecomeReady()
    {
        var probe = new ReadyProbe(ReadyKind.Tcp);
        var f = new ScriptedFormation().Type("db", ready: probe).Type("api", ready: probe, after: "db").Type("web", after: "api").Settle();
        Assert.Equal(["api", "web"], f.Loop.PendingTypes);

        f.BecameReady("db.1");
        Assert.Equal(["web"], f.Loop.PendingTypes);
        f.BecameReady("api.1");

        Assert.Empty(f.Loop.PendingTypes);
        Assert.Equal(ProcessState.Running, f["web.1"].State);
    }

    [Fact]
    public void Stop_AnInstanceThatWaitsForItsDependencies_KeepsItStopped_WhenTheyBecomeReady()
    {
        var f = new ScriptedFormation().Type("web", ready: new ReadyProbe(ReadyKind.Tcp)).Type("worker", after: "web").Settle();
        Assert.Equal(["worker"], f.Loop.PendingTypes);

        Assert.Empty(f.Stop("worker.1"));
        f.BecameReady("web.1");

        Assert.Equal(ProcessState.Stopped, f["worker.1"].State);
        Assert.Null(f["worker.1"].Run);
        Assert.DoesNotContain("spawn worker.1", f.EdgeCalls);
        Assert.Equal(ReadinessVerdict.Ready, SupervisionPolicy.Readiness(f.Loop));
    }

    [Fact]
    public void Spawn_AReportForASpawnNoLongerAwaited_StopsThatRun_AndKeepsTheCurrentOne()
    {
        var f = new ScriptedFormation().Type("web").Settle();
        var current = f["web.1"].Run!;

        // An edge reports a spawn of an old generation: the loop never tracks it beside the current run.
        f.Loop.Post(new Report.Spawned(f["web.1"], Generation: 0, new ProcessRun(4242, f.Clock.GetLocalNow(), null)));

        Assert.Same(current, f["web.1"].Run);
        Assert.Contains("stop web.1", f.EdgeCalls);
        Assert.Equal(ProcessState.Running, f["web.1"].State);
    }
}
