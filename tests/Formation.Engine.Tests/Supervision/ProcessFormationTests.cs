using Formation.Engine.Configuration;
using Formation.Engine.Output;
using Formation.Engine.Supervision;
using Formation.Engine.Tests.Support;

namespace Formation.Engine.Tests.Supervision;

public class ProcessFormationTests : ProcessTest
{
    private static readonly RestartSettings Quick = new(
        TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(80), MaxFailures: 4, Window: TimeSpan.FromMinutes(5), ResetAfter: TimeSpan.FromMinutes(5));

    [Fact]
    public async Task Start_EveryInstance_GetsItsPortAndIdentity()
    {
        var f = Create(Options("web: echo \"$PORT $PS $FORMATION_PROCESS $FORMATION_TYPE $FORMATION_INSTANCE\"; sleep 100\nworker: echo \"$PORT $PS\"; sleep 100\n")
            with { Scale = ScaleSpec.Parse("web=2,worker=1") });
        var events = new Events(f);

        f.Start();
        await events.UntilLine("web.2", "5001 web.2 web.2 web 2");
        await events.UntilLine("web.1", "5000 web.1 web.1 web 1");
        await events.UntilLine("worker.1", "5100 worker.1");

        var processes = f.GetProcesses();
        Assert.Equal(["web.1", "web.2", "worker.1"], processes.Select(p => p.Name));
        Assert.All(processes, p => Assert.Equal(ProcessState.Running, p.State));
        Assert.All(processes, p => Assert.NotNull(p.ProcessId));
    }

    [Fact]
    public async Task Stop_TreeOfProcesses_LeavesNothingRunning()
    {
        var f = Create(Options("tree: sh -c 'sleep 1000 & sleep 1000 & echo up; wait'\n"));
        var events = new Events(f);
        f.Start();
        await events.UntilLine("tree.1", "up");

        var result = await f.StopAsync().WaitAsync(Patience);

        Assert.Equal((FormationEnd.Stopped, OutcomeCause.StopRequested), (result.End, result.Cause));
        Assert.Equal(0, result.ExitCode);
        Assert.Empty(LeakScanner.Find(Token));
        Assert.Equal(ProcessState.Stopped, f.GetProcess("tree.1")!.State);
        Assert.Equal(FormationState.Stopped, f.State);
    }

    [Fact]
    public async Task Stop_ProcessIgnoringSigterm_IsKilledAfterTheTimeout()
    {
        var f = Create(Options("stubborn: trap '' TERM INT; echo armed; while :; do sleep 1; done\n")
            with { StopTimeout = TimeSpan.FromMilliseconds(300) });
        var events = new Events(f);
        f.Start();
        await events.UntilLine("stubborn.1", "armed");

        await f.StopAsync().WaitAsync(Patience);

        Assert.Contains(events.SystemLines, l => l.Line.StartsWith("killing stubborn.1") && l.Line.Contains("still running 300 ms after SIGTERM"));
        Assert.Equal("SIGKILL", f.GetProcess("stubborn.1")!.Signal);
        Assert.Empty(LeakScanner.Find(Token));
    }

    [Fact]
    public async Task Kill_DuringAGracefulStop_KillsAtOnce()
    {
        var f = Create(Options("stubborn: trap '' TERM INT; echo armed; while :; do sleep 1; done\n")
            with { StopTimeout = TimeSpan.FromMinutes(10) });
        var events = new Events(f);
        f.Start();
        await events.UntilLine("stubborn.1", "armed");

        _ = f.StopAsync();
        f.Kill("second interrupt");
        var result = await f.Completion.WaitAsync(Patience);

        Assert.Equal((FormationEnd.Stopped, OutcomeCause.StopRequested), (result.End, result.Cause));
        Assert.Contains(events.SystemLines, l => l.Line == "killing stubborn.1 (pgid " + f.GetProcess("stubborn.1")!.ProcessId + ")");
    }

    [Fact]
    public async Task Crash_IsRestartedWithBackoff_ThenFailed()
    {
        var f = Create(Options("crash: echo boom; exit 3\n") with { RestartSettings = Quick });
        var events = new Events(f);

        f.Start();
        await events.UntilState("crash.1", ProcessState.Failed);

        var p = f.GetProcess("crash.1")!;
        Assert.Equal(3, p.Restarts);
        Assert.Equal(3, p.ExitCode);
        Assert.Contains("ended 4 times", p.FailureReason);
        Assert.Equal(4, events.LinesOf("crash.1").Count(l => l == "boom"));
        Assert.Equal(
            ["restarting crash.1 in 20 ms", "restarting crash.1 in 40 ms", "restarting crash.1 in 80 ms"],
            events.SystemLines.Select(l => l.Line).Where(l => l.StartsWith("restarting")));
        var states = events.Changes.Where(c => c.Process.Name == "crash.1").Select(c => c.Process.State).ToArray();
        Assert.Equal(ProcessState.Crashed, states[^2]);
        Assert.Equal(ProcessState.Failed, states[^1]);
        var result = await f.Completion.WaitAsync(Patience);
        Assert.Equal((OutcomeCause.GaveUp, 3), (result.Cause, result.ExitCode));
    }

    [Fact]
    public async Task RestartNever_ExitCodeZero_ProcessExited_FormationCompletesWithZero()
    {
        var f = Create(Options("once: echo done\n") with { Restart = RestartPolicy.Never });
        var events = new Events(f);

        f.Start();
        var result = await f.Completion.WaitAsync(Patience);

        Assert.Equal((OutcomeCause.AllExited, 0), (result.Cause, result.ExitCode));
        Assert.Equal(ProcessState.Exited, f.GetProcess("once.1")!.State);
        Assert.Equal(FormationState.Completed, f.State);
        Assert.Equal(["done"], events.LinesOf("once.1"));
    }

    [Fact]
    public async Task RestartAlways_RestartsAfterExitCodeZero()
    {
        var f = Create(Options("again: echo run\n") with { Restart = RestartPolicy.Always, RestartSettings = Quick });
        var events = new Events(f);

        f.Start();
        await events.Until(e => e.LinesOf("again.1").Count(l => l == "run") >= 3, "three runs");
    }

    [Fact]
    public async Task OnFailure_DoesNotRestartAfterExitCodeZero()
    {
        var f = Create(Options("ok: exit 0\nlong: sleep 100\n"));
        var events = new Events(f);

        f.Start();
        await events.UntilState("ok.1", ProcessState.Exited);

        Assert.DoesNotContain(events.SystemLines, l => l.Line.StartsWith("restarting ok.1"));
        Assert.Equal(FormationState.Running, f.State);
    }

    [Fact]
    public async Task ExitOnError_AProcessEnds_StopsEverythingWithItsCode()
    {
        var f = Create(Options("ok: sleep 100\nbad: sleep 0.2; exit 7\n") with { ExitOnError = true, Restart = RestartPolicy.Never });
        var events = new Events(f);

        f.Start();
        var result = await f.Completion.WaitAsync(Patience);

        Assert.Equal((FormationEnd.Failed, OutcomeCause.ExitedUnderExitOnError, 7, "bad.1"), (result.End, result.Cause, result.ExitCode, result.Process));
        Assert.Equal(ProcessState.Stopped, f.GetProcess("ok.1")!.State);
        Assert.Equal(ProcessState.Crashed, f.GetProcess("bad.1")!.State);
    }

    [Fact]
    public async Task ExitOnError_KilledBySignal_ExitCodeIs128PlusSignal()
    {
        var f = Create(Options("ok: sleep 100\nbad: kill -KILL $$\n") with { ExitOnError = true, Restart = RestartPolicy.Never });

        f.Start();
        var result = await f.Completion.WaitAsync(Patience);

        Assert.Equal(128 + 9, result.ExitCode);
        Assert.Equal("SIGKILL", f.GetProcess("bad.1")!.Signal);
    }

    [Fact]
    public async Task Scale_UpTakesNextIndexesAndPorts_DownRemovesHighestFirst()
    {
        var f = Create(Options("web: echo \"port $PORT\"; exec sleep 100\nworker: exec sleep 100\n"));
        var events = new Events(f);
        f.Start();

        var up = await f.ScaleAsync("web", 3).WaitAsync(Patience);
        await events.UntilLine("web.3", "port 5002");
        await events.UntilLine("web.2", "port 5001");

        Assert.Equal(["web.2", "web.3"], up.Added.Select(p => p.Name));
        Assert.Equal([5001, 5002], up.Added.Select(p => p.Port));
        Assert.Equal(["web.1", "web.2", "web.3", "worker.1"], f.GetProcesses().Select(p => p.Name));

        var down = await f.ScaleAsync("web", 1).WaitAsync(Patience);

        Assert.Equal(["web.3", "web.2"], down.Removed.Select(p => p.Name));
        Assert.All(down.Removed, p => Assert.Equal(ProcessState.Stopped, p.State));
        Assert.Equal(["web.1", "worker.1"], f.GetProcesses().Select(p => p.Name));
        Assert.Equal(5100, f.GetProcess("worker.1")!.Port);
    }

    [Fact]
    public async Task Scale_UnknownTypeOrTooMany_IsAClearError()
    {
        var f = Start(Options("web: exec sleep 100\nworker: exec sleep 100\n"));

        var unknown = await Assert.ThrowsAsync<FormationConfigException>(() => f.ScaleAsync("wrk", 2));
        var tooMany = await Assert.ThrowsAsync<FormationConfigException>(() => f.ScaleAsync("web", 101));

        Assert.Contains("Unknown process type 'wrk'. Valid types: web, worker", unknown.Message);
        Assert.Contains("'web' cannot run 101 instances", tooMany.Message);
    }

    [Fact]
    public async Task Restart_KeepsNameAndPort_NewPid_CountsTheRestart()
    {
        var f = Create(Options("web: echo \"port $PORT\"; exec sleep 100\n"));
        var events = new Events(f);
        f.Start();
        await events.UntilLine("web.1", "port 5000");
        var before = f.GetProcess("web.1")!;

        var after = await f.RestartProcessAsync("web.1").WaitAsync(Patience);
        await events.Until(e => e.LinesOf("web.1").Count(l => l == "port 5000") == 2, "the second run");

        Assert.Equal(("web.1", 5000, ProcessState.Running, 1), (after.Name, after.Port, after.State, after.Restarts));
        Assert.NotEqual(before.ProcessId, after.ProcessId);
    }

    [Fact]
    public async Task StopProcess_ThenStartProcess_RunsItAgain()
    {
        var f = Create(Options("web: exec sleep 100\nworker: exec sleep 100\n"));
        f.Start();

        var stopped = await f.StopProcessAsync("web.1").WaitAsync(Patience);
        var started = f.StartProcess("web.1");

        Assert.Equal(ProcessState.Stopped, stopped.State);
        Assert.Equal(ProcessState.Running, started.State);
        Assert.Equal(1, started.Restarts);
        Assert.Equal(FormationState.Running, f.State);
    }

    [Fact]
    public void UnknownProcess_IsAClearError()
    {
        var f = Start(Options("web: exec sleep 100\n"));

        var ex = Assert.Throws<FormationException>(() => f.StartProcess("web.9"));

        Assert.Contains("No process named 'web.9'", ex.Message);
        Assert.Contains("Processes: web.1", ex.Message);
    }

    [Fact]
    public async Task CommandNotFound_FailsWithAReason_ManagerCarriesOn()
    {
        var f = Create(Options("bad: no-such-program-xyz --flag\nok: exec sleep 100\n"));
        var events = new Events(f);

        f.Start();
        await events.UntilState("bad.1", ProcessState.Failed);

        var bad = f.GetProcess("bad.1")!;
        Assert.StartsWith("command not found: 'no-such-program-xyz'", bad.FailureReason);
        Assert.Contains(events.SystemLines, l => l.Line.StartsWith("bad.1 could not start: command not found"));
        Assert.Equal(ProcessState.Running, f.GetProcess("ok.1")!.State);
    }

    [Fact]
    public async Task PermissionDenied_FailsWithAReason()
    {
        var script = Write("not-executable.sh", "echo hi\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var f = Create(Options("bad: ./not-executable.sh\n"));
        var events = new Events(f);

        f.Start();
        await events.UntilState("bad.1", ProcessState.Failed);

        Assert.StartsWith("permission denied", f.GetProcess("bad.1")!.FailureReason);
    }

    [Fact]
    public async Task Output_StdoutAndStderr_AreKeptApart_FinalLineWithoutNewlineDelivered()
    {
        var f = Create(Options("io: echo out; echo err >&2; printf 'no newline'\n") with { Restart = RestartPolicy.Never });
        var events = new Events(f);

        f.Start();
        await f.Completion.WaitAsync(Patience);

        var lines = events.Lines.Where(l => l.Process == "io.1").ToDictionary(l => l.Line, l => l.Stream);
        Assert.Equal(LogStream.StdOut, lines["out"]);
        Assert.Equal(LogStream.StdErr, lines["err"]);
        Assert.Equal(LogStream.StdOut, lines["no newline"]);
        Assert.Equal("io", events.Lines.First(l => l.Process == "io.1").Type);
    }

    [Fact]
    public async Task Output_SystemLines_ShowStartedAndExited_InOrderAroundTheOutput()
    {
        var f = Create(Options("job: echo working\n") with { Restart = RestartPolicy.Never });
        var events = new Events(f);

        f.Start();
        await f.Completion.WaitAsync(Patience);

        var sequence = events.Lines.Select(l => $"{l.Process}: {l.Line}").ToList();
        var started = sequence.FindIndex(s => s.StartsWith("system: job.1 started with pid"));
        var output = sequence.IndexOf("job.1: working");
        var exited = sequence.IndexOf("system: job.1 exited with code 0");
        Assert.True(started >= 0 && started < output && output < exited, string.Join("\n", sequence));
    }

    [Fact]
    public async Task Output_FourEmittersOf200000Lines_ArriveCompleteAndUnmangled()
    {
        const int count = 200_000;
        var emit = Write("emit.sh", $"i=0; awk -v p=\"$PS\" 'BEGIN {{ for (i = 1; i <= {count}; i++) printf \"%s line %d of {count} xxxxxxxxxxxxxxxxxxxx\\n\", p, i }}'; exec sleep 100\n");
        var f = Create(Options($"emit: sh {emit}\n") with { Scale = ScaleSpec.Parse("emit=4") });
        var counts = new int[5];
        var bad = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finished = 0;
        f.Output += (_, l) =>
        {
            if (l.Stream == LogStream.System) return;
            var index = l.Process[^1] - '0';
            var expected = $"{l.Process} line {counts[index] + 1} of {count} xxxxxxxxxxxxxxxxxxxx";
            if (l.Line != expected) bad++;
            if (++counts[index] == count && ++finished == 4) done.TrySetResult();
        };

        f.Start();
        await done.Task.WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(0, bad);
        Assert.Equal([count, count, count, count], counts[1..]);
    }

    [Fact]
    public async Task StrayProcess_LeftInTheGroup_IsNamedAndStoppedWithTheFormation()
    {
        var f = Create(Options("daemon: sleep 1000 & echo forked\n") with { Restart = RestartPolicy.Never });
        var events = new Events(f);

        f.Start();
        await events.UntilState("daemon.1", ProcessState.Exited);
        await events.Until(e => e.SystemLines.Any(l => l.Line.Contains("left 1 process(es) running in its group (sleep pid")), "the stray to be named");
        await f.Completion.WaitAsync(Patience);

        Assert.Empty(LeakScanner.Find(Token));
    }

    [Fact]
    public async Task Dispose_StopsEveryProcess()
    {
        var f = Create(Options("a: exec sleep 100\nb: sh -c 'sleep 100 & wait'\n"));
        f.Start();

        await f.DisposeAsync().AsTask().WaitAsync(Patience);

        Assert.Empty(LeakScanner.Find(Token));
    }

    [Fact]
    public async Task Engine_Dispose_StopsEveryFormation_AndNamesMustBeUnique()
    {
        var engine = new FormationRegistry();
        var options = Options("a: exec sleep 100\n") with { Name = "shop" };
        engine.Start(options);

        var ex = Assert.Throws<FormationNameTakenException>(() => engine.Start(options));
        Assert.Contains("A formation named 'shop' is already running", ex.Message);

        await engine.DisposeAsync().AsTask().WaitAsync(Patience);
        Assert.Empty(LeakScanner.Find(Token));
    }

    [Fact]
    public async Task StopSignal_Option_IsTheSignalSent()
    {
        var f = Create(Options("web: trap 'echo got INT; exit 0' INT; echo ready; while :; do sleep 0.1; done\n") with { StopSignal = "INT" });
        var events = new Events(f);
        f.Start();
        await events.UntilLine("web.1", "ready");

        await f.StopAsync().WaitAsync(Patience);

        Assert.Contains("got INT", events.LinesOf("web.1"));
        Assert.Contains(events.SystemLines, l => l.Line == "sending SIGINT to all processes");
    }

    [Fact]
    public async Task GetLog_KeepsABoundedTailPerProcess()
    {
        var f = Create(Options("chatty: seq 1 50; exec sleep 100\n") with { LogBufferSize = 10 });
        var events = new Events(f);
        f.Start();
        await events.UntilLine("chatty.1", "50");

        var tail = f.GetLog("chatty.1", tail: 3);
        var all = f.GetLog("chatty.1");

        Assert.Equal(["48", "49", "50"], tail.Select(l => l.Line));
        Assert.Equal(10, all.Count);
    }

    [Fact]
    public async Task UnknownProcess_AfterAScaleDown_ListsOnlyTheProcessesThatExist()
    {
        var f = Create(Options("worker: echo up; exec sleep 100\n") with { Scale = ScaleSpec.Parse("worker=2") });
        var events = new Events(f);
        f.Start();
        await events.UntilLine("worker.2", "up");
        await f.ScaleAsync("worker", 1).WaitAsync(Patience);

        var ex = await Assert.ThrowsAsync<FormationException>(() => f.StopProcessAsync("worker.2").WaitAsync(Patience));

        Assert.Equal($"No process named 'worker.2' in formation '{f.Name}'. Processes: worker.1.", ex.Message);
    }
}
