using Formation.Engine.Configuration;
using Formation.Engine.Supervision;
using Formation.Engine.Tests.Support;

namespace Formation.Engine.Tests.Supervision;

/// <summary>Readiness probes, start order, tasks and crash records, with real listeners (tests/Formation.TestServer).</summary>
public class ReadinessTests : ProcessTest
{
    private int SystemIndex(Events events, string prefix) =>
        events.SystemLines.Select(l => l.Line).ToList().FindIndex(l => l.StartsWith(prefix, StringComparison.Ordinal));

    [Fact]
    public async Task TcpProbe_RunningThenReady()
    {
        var f = Create(Options($"web: {TestServer} tcp --delay-ms 300\n", "processes:\n  web: { ready: { tcp: true } }\n") with { Port = FreePort() });
        var events = new Events(f);

        f.Start();
        await f.WhenReadyAsync().WaitAsync(Patience);
        await events.UntilState("web.1", ProcessState.Ready);

        var states = events.Changes.Where(c => c.Process.Name == "web.1").Select(c => c.Process.State).ToList();
        Assert.Equal([ProcessState.Starting, ProcessState.Running, ProcessState.Ready], states);
        Assert.Contains(events.SystemLines, l => l.Line.StartsWith("web.1 ready ("));
        Assert.True(f.GetProcess("web.1")!.IsReady);
    }

    [Fact]
    public async Task HttpProbe_WaitsFor2xx()
    {
        var f = Create(Options($"web: {TestServer} http --unhealthy-ms 400\n", "processes:\n  web: { ready: { http: /health } }\n") with { Port = FreePort() });
        var events = new Events(f);

        f.Start();
        await events.UntilLine("web.1", $"Listening on {f.BasePort}");
        Assert.Equal(ProcessState.Running, f.GetProcess("web.1")!.State);
        await events.UntilState("web.1", ProcessState.Ready);
    }

    [Fact]
    public async Task OutputProbe_MatchesALine()
    {
        var f = Create(Options("web: echo booting; sleep 0.2; echo 'Listening on 1234'; exec sleep 100\n",
            "processes:\n  web: { ready: { output: 'Listening on \\d+' } }\n"));
        var events = new Events(f);

        f.Start();
        await events.UntilState("web.1", ProcessState.Ready);

        Assert.True(SystemIndex(events, "web.1 ready") > 0);
    }

    [Fact]
    public async Task After_StartsATypeOnlyWhenItsDependencyIsReady()
    {
        var f = Create(Options($"web: {TestServer} tcp --delay-ms 200\nworker: echo working; exec sleep 100\n",
            "processes:\n  web: { ready: { tcp: true } }\n  worker: { after: [web] }\n") with { Port = FreePort() });
        var events = new Events(f);

        f.Start();
        Assert.Equal(ProcessState.Starting, f.GetProcess("worker.1")!.State);
        await f.WhenReadyAsync().WaitAsync(Patience);
        await events.UntilLine("worker.1", "working");

        var ready = SystemIndex(events, "web.1 ready");
        var workerStarted = SystemIndex(events, "worker.1 started");
        Assert.True(ready >= 0 && workerStarted > ready, string.Join("\n", events.SystemLines.Select(l => l.Line)));
        Assert.Contains(events.SystemLines, l => l.Line == "starting worker: web ready");
    }

    [Fact]
    public async Task Task_RunsFirst_DependentsStartWhenItExitsZero()
    {
        var f = Create(Options("release: echo migrating; sleep 0.2; echo migrated\nweb: echo serving; exec sleep 100\n",
            "processes:\n  release: { task: true }\n  web: { after: [release] }\n"));
        var events = new Events(f);

        f.Start();
        await f.WhenReadyAsync().WaitAsync(Patience);
        await events.UntilLine("web.1", "serving");

        Assert.Equal(ProcessState.Exited, f.GetProcess("release.1")!.State);
        Assert.True(f.GetProcess("release.1")!.IsTask);
        Assert.True(SystemIndex(events, "web.1 started") > SystemIndex(events, "release.1 exited with code 0"));
        Assert.Equal(FormationState.Running, f.State);
    }

    [Fact]
    public async Task Task_Failing_StopsTheStartWithItsCodeAndLastLines()
    {
        var f = Create(Options("release: echo step one; echo 'relation users does not exist' >&2; exit 5\nweb: exec sleep 100\n",
            "processes:\n  release: { task: true }\n  web: { after: [release] }\n"));

        f.Start();
        var ready = await Assert.ThrowsAsync<FormationFailedException>(() => f.WhenReadyAsync().WaitAsync(Patience));
        var result = await f.Completion.WaitAsync(Patience);

        Assert.Equal((OutcomeCause.TaskFailed, 5, "release.1"), (result.Cause, result.ExitCode, result.Process));
        Assert.Equal(result, ready.Outcome);
        Assert.Equal("task release.1 exited with code 5.", result.Message);
        Assert.Contains("  relation users does not exist", result.Describe());
        Assert.Contains("  step one", ready.Message);
        Assert.Equal(ProcessState.Stopped, f.GetProcess("web.1")!.State);
        Assert.Null(f.GetProcess("web.1")!.ProcessId);
    }

    [Fact]
    public async Task ReadyTimeout_OfADependency_FailsTheStart()
    {
        var f = Create(Options("web: exec sleep 100\nworker: exec sleep 100\n",
            "processes:\n  web: { ready: { tcp: true }, ready_timeout: 300ms }\n  worker: { after: [web] }\n") with { Port = FreePort() });
        var events = new Events(f);

        f.Start();
        var result = await f.Completion.WaitAsync(Patience);

        Assert.Equal((OutcomeCause.NotReady, FormationOutcome.NotReadyExitCode), (result.Cause, result.ExitCode));
        Assert.StartsWith("web.1 not ready within 300 ms (tcp).", result.Message);
        Assert.Contains(events.SystemLines, l => l.Line == "web.1 not ready within 300 ms (tcp)");
        Assert.Null(f.GetProcess("worker.1")!.ProcessId);
    }

    [Fact]
    public async Task Restart_ReturnsOnlyWhenTheNewRunIsReady()
    {
        var f = Create(Options("web: sleep 0.3; echo up; exec sleep 100\n", "processes:\n  web: { ready: { output: '^up$' } }\n"));
        f.Start();
        await f.WhenReadyAsync().WaitAsync(Patience);

        var after = await f.RestartProcessAsync("web.1").WaitAsync(Patience);

        Assert.Equal((ProcessState.Ready, 1), (after.State, after.Restarts));
    }

    [Fact]
    public async Task DependencyEndingForGood_FailsTheStart_InsteadOfWaitingForever()
    {
        var f = Create(Options("web: echo bye\nworker: exec sleep 100\n",
            "processes:\n  web: { ready: { output: never } }\n  worker: { after: [web] }\n") with { Restart = RestartPolicy.Never });

        f.Start();
        var result = await f.Completion.WaitAsync(Patience);

        Assert.Equal((OutcomeCause.DependencyEnded, FormationOutcome.NotReadyExitCode), (result.Cause, result.ExitCode));
        Assert.StartsWith("web.1 exited with code 0 and is not restarted, so the types after it cannot start.", result.Message);
        Assert.Equal(ProcessState.Stopped, f.GetProcess("worker.1")!.State);
    }

    [Fact]
    public async Task RestartingATask_ReturnsWhenItHasExitedZero()
    {
        var f = Create(Options("release: echo migrated\nweb: exec sleep 100\n", "processes:\n  release: { task: true }\n"));
        f.Start();
        await f.WhenReadyAsync().WaitAsync(Patience);

        var again = await f.RestartProcessAsync("release.1").WaitAsync(Patience);

        Assert.Equal((ProcessState.Exited, 1), (again.State, again.Restarts));
    }

    [Fact]
    public async Task WhenReady_WithoutProbes_IsRunning()
    {
        var f = Start(Options("a: exec sleep 100\nb: exec sleep 100\n"));

        await f.WhenReadyAsync().WaitAsync(Patience);

        Assert.All(f.GetProcesses(), p => Assert.True(p.IsReady));
        Assert.All(f.GetProcesses(), p => Assert.Equal(ProcessState.Running, p.State));
    }

    [Fact]
    public async Task CrashRecord_KeepsTheLast20Lines()
    {
        var f = Create(Options("crash: seq 1 30; echo 'fatal: out of memory' >&2; exit 2\n") with { Restart = RestartPolicy.Never });

        f.Start();
        await f.Completion.WaitAsync(Patience);

        var p = f.GetProcess("crash.1")!;
        Assert.Equal((ProcessState.Crashed, 2), (p.State, p.ExitCode));
        Assert.Equal(20, p.LastOutput.Count);
        Assert.Contains("fatal: out of memory", p.LastOutput);
        Assert.Contains("30", p.LastOutput);
        Assert.DoesNotContain("5", p.LastOutput);
    }

    [Fact]
    public async Task CrashRecord_ShowsWhenTheNextRestartIsDue()
    {
        var f = Create(Options("crash: exit 1\n") with { RestartSettings = RestartSettings.Default with { InitialDelay = TimeSpan.FromMinutes(5), MaxDelay = TimeSpan.FromMinutes(5) } });
        var events = new Events(f);

        f.Start();
        await events.Until(e => e.SystemLines.Any(l => l.Line == "restarting crash.1 in 5 min"), "the restart to be scheduled");

        var p = f.GetProcess("crash.1")!;
        Assert.Equal(ProcessState.Crashed, p.State);
        Assert.NotNull(p.NextRestart);
        Assert.True(p.NextRestart > p.ExitTime);
    }

    [Fact]
    public void Environment_HasSources_AndMasksSecrets()
    {
        Write(".env", "DATABASE_URL=postgres://db\nAPI_TOKEN=abc123\n");
        var f = Start(Options("web: exec sleep 100\n", "env: { RAILS_ENV: development }\n") with
        {
            EnvFiles = null,
            Environment = new Dictionary<string, string> { ["SECRET_KEY_BASE"] = "s3cr3t" },
        });

        var env = f.GetEnvironment("web.1").ToDictionary(v => v.Name);
        var shown = f.GetEnvironment("web.1", showSecrets: true).ToDictionary(v => v.Name);

        Assert.Equal(("postgres://db", $"{Path.Combine(Directory, ".env")}:1"), (env["DATABASE_URL"].Value, env["DATABASE_URL"].Source));
        Assert.Equal(("development", $"{Path.Combine(Directory, "formation.yml")}:1"), (env["RAILS_ENV"].Value, env["RAILS_ENV"].Source));
        Assert.Equal((Secrets.Mask, EnvValue.Parameter), (env["SECRET_KEY_BASE"].Value, env["SECRET_KEY_BASE"].Source));
        Assert.Equal(Secrets.Mask, env["API_TOKEN"].Value);
        Assert.Equal("abc123", shown["API_TOKEN"].Value);
        Assert.Equal(("5000", EnvValue.Computed, "web.1"), (env["PORT"].Value, env["PORT"].Source, env["PORT"].Process));
        Assert.Equal(EnvValue.Inherited, env["PATH"].Source);
        Assert.DoesNotContain(f.GetEnvironment(), v => v.Name == "PORT");
    }

    [Fact]
    public void PortInUse_IsRefusedWithTheProcessHoldingIt_UnlessForced()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
            var options = Options("web: echo PORT=$PORT; exec sleep 100\n") with { Port = port };
            var comm = File.ReadAllText("/proc/self/comm").Trim();

            var ex = Assert.Throws<PortInUseException>(() => Start(options));
            Assert.Equal($"port {port} for web.1 is in use by {comm} (pid {Environment.ProcessId}). Stop it, choose another base port (-p), or start anyway with --force.", ex.Message);

            var forced = Create(options with { Force = true });
            var events = new Events(forced);
            forced.Start();
            Assert.Equal(ProcessState.Running, forced.GetProcess("web.1")!.State);
        }
        finally
        {
            listener.Stop();
        }
    }
}
