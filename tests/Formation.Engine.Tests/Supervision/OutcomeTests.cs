using Formation.Engine.Configuration;
using Formation.Engine.Supervision;
using Formation.Engine.Tests.Support;

namespace Formation.Engine.Tests.Supervision;

/// <summary>
/// The outcome, decided once by the engine: a readiness wait that can never succeed ends the formation and
/// says why (no wait that hangs), and each cause carries its exit code, process and message.
/// </summary>
public class OutcomeTests : ProcessTest
{
    [Fact]
    public async Task WhenReady_AProbeThatNeverPasses_EndsTheFormation_WithNotReady()
    {
        // Issue 17 (a): the output never appears; a non-dependency, so nothing else would end the formation.
        var f = Start(Options("web: echo starting; exec sleep 1000\n",
            "processes:\n  web:\n    ready: { output: never-printed }\n    ready_timeout: 300ms\n"));

        var failure = await Assert.ThrowsAsync<FormationFailedException>(() => f.WhenReadyAsync().WaitAsync(Patience));

        var outcome = failure.Outcome;
        Assert.True(f.Completion.IsCompleted, "the wait ends only once the formation has ended");
        Assert.Equal((FormationEnd.Failed, OutcomeCause.NotReady, FormationOutcome.NotReadyExitCode, "web.1"),
            (outcome.End, outcome.Cause, outcome.ExitCode, outcome.Process));
        Assert.Equal("web.1 not ready within 300 ms (output /never-printed/).", outcome.Message);
        Assert.Equal(["starting"], outcome.LastOutput);
        Assert.Equal(FormationState.Failed, f.State);
        Assert.All(f.GetProcesses(), p => Assert.Equal(ProcessState.Stopped, p.State));
    }

    [Fact]
    public async Task WhenReady_ACommandNotFound_BesideARunningWorker_EndsTheFormation_WithCouldNotStart()
    {
        // Issue 17 (b): a typo in web's command next to a worker that runs fine.
        var f = Start(Options("web: rials server -p $PORT\nworker: exec sleep 600\n",
            "processes:\n  web:\n    ready: { http: /health }\n    ready_timeout: 10s\n") with { Port = FreePort() });

        var failure = await Assert.ThrowsAsync<FormationFailedException>(() => f.WhenReadyAsync().WaitAsync(Patience));

        var outcome = failure.Outcome;
        Assert.Equal((FormationEnd.Failed, OutcomeCause.CouldNotStart, FormationOutcome.CouldNotStartExitCode, "web.1"),
            (outcome.End, outcome.Cause, outcome.ExitCode, outcome.Process));
        Assert.StartsWith("web.1 could not start: command not found: 'rials' (searched PATH=", outcome.Message);
        Assert.Equal(["web.1"], outcome.Failures.Select(x => x.Process));
        Assert.Equal(ProcessState.Stopped, f.GetProcess("worker.1")!.State);
    }

    [Fact]
    public async Task WhenReady_AfterTheFormationEnded_FailsAtOnce_WithTheSameOutcome()
    {
        var f = Start(Options("web: exec sleep 100\n"));
        var stopped = await f.StopAsync().WaitAsync(Patience);

        var failure = await Assert.ThrowsAsync<FormationFailedException>(() => f.WhenReadyAsync().WaitAsync(Patience));

        Assert.Same(stopped, failure.Outcome);
        Assert.Equal((FormationEnd.Stopped, OutcomeCause.StopRequested, 0), (stopped.End, stopped.Cause, stopped.ExitCode));
    }

    [Fact]
    public async Task Stop_AfterAnInstanceCouldNotStart_IsStillAFailure_CouldNotStartOutranksGaveUp()
    {
        var f = Create(Options("typo: rials\ncrash: exit 3\nok: exec sleep 100\n") with
        {
            RestartSettings = RestartSettings.Default with { InitialDelay = TimeSpan.FromMilliseconds(10), MaxFailures = 1 },
        });
        var events = new Events(f);
        f.Start();
        await events.UntilState("crash.1", ProcessState.Failed);
        await events.UntilState("typo.1", ProcessState.Failed);

        var outcome = await f.StopAsync(interrupted: true).WaitAsync(Patience);

        Assert.Equal((FormationEnd.Failed, OutcomeCause.CouldNotStart, 5, "typo.1"), (outcome.End, outcome.Cause, outcome.ExitCode, outcome.Process));
        Assert.Equal(["crash.1 ended 1 time within 1 min (last exited with code 3); not restarting it.", "typo.1 could not start: command not found: 'rials'"],
            outcome.Failures.OrderBy(x => x.Process).Select(x => x.Message.Split(" (searched")[0]));
    }

    [Fact]
    public async Task Stop_Interrupted_IsAStop_WithCauseInterrupted()
    {
        var f = Start(Options("web: exec sleep 100\n"));

        var outcome = await f.StopAsync(interrupted: true).WaitAsync(Patience);

        Assert.Equal((FormationEnd.Stopped, OutcomeCause.Interrupted, 0), (outcome.End, outcome.Cause, outcome.ExitCode));
        Assert.Equal(FormationState.Stopped, f.State);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(86_400 + 1)]
    [InlineData(4_294_968)]
    public async Task Timeouts_OutsideTheOneDurationBound_AreRefused_WhateverHostSendsThem(double seconds)
    {
        var f = Start(Options("web: exec sleep 100\n"));
        var timeout = TimeSpan.FromSeconds(seconds);

        var stop = await Assert.ThrowsAsync<FormationException>(() => f.StopProcessAsync("web.1", timeout));
        var restart = await Assert.ThrowsAsync<FormationException>(() => f.RestartProcessAsync("web.1", timeout));
        Assert.Throws<FormationException>(() => { _ = f.StopAsync(timeout); });

        Assert.StartsWith("Invalid stop timeout", stop.Message);
        Assert.Contains(Duration.Grammar, restart.Message);
        Assert.Equal(ProcessState.Running, f.GetProcess("web.1")!.State);
    }
}
