namespace Formation.Cli.Tests;

/// <summary>formation.yml, readiness and start order through the command line.</summary>
public class ConfigCliTests : CliTest
{
    [Fact]
    public async Task Check_WithFormationYml_ShowsTasksProbesAndOrder()
    {
        Write("Procfile", "release: ./migrate\nweb: ./web\nworker: ./worker\n");
        Write("formation.yml", "processes:\n  release: { task: true }\n  web: { count: 2, ready: { http: /health }, after: [release] }\n  worker: { port: none, after: [web] }\n");

        var run = Run("check");

        Assert.Equal(0, await run.ExitCode());
        Assert.Contains($"with {Path.Combine(Dir, "formation.yml")}", run.Stdout);
        Assert.Contains(run.Stdout, l => l.Contains("release") && l.EndsWith("[task]"));
        Assert.Contains(run.Stdout, l => l.Contains("web") && l.Contains("x2") && l.Contains("ports 5100-5101") && l.EndsWith("[ready: http /health within 30 s; after: release]"));
        Assert.Contains(run.Stdout, l => l.Contains("worker") && l.Contains("no port") && l.EndsWith("[after: web]"));
    }

    [Fact]
    public async Task Check_InvalidFormationYml_PrintsFileLineColumn_ExitOne()
    {
        Write("Procfile", "web: ./web\n");
        var yml = Write("formation.yml", "processes:\n  web: { count: 2, replicas: 3 }\n");

        var run = Run("check");

        Assert.Equal(1, await run.ExitCode());
        Assert.Contains($"formation: {yml}:2:20: Unknown key 'replicas' for process 'web'. Valid keys: after, count, env, max_restarts, port, ready, ready_timeout, restart, restart_window, stop_signal, stop_timeout, task, working_dir.", run.Stderr);
    }

    [Fact]
    public async Task Check_ConfigOption_NamesAnotherFile()
    {
        Write("Procfile", "web: ./web\n");
        var yml = Write("other.yml", "processes:\n  wrker: {}\n");

        var run = Run("check", "--config", "other.yml");

        Assert.Equal(1, await run.ExitCode());
        Assert.Contains(run.Stderr, l => l.StartsWith($"formation: {yml}:2:3: Process type 'wrker' is not in the Procfile"));
    }

    [Fact]
    public async Task Start_PrintsReadiness_AndStartsDependentsAfter()
    {
        Write("Procfile", "web: sleep 0.2; echo 'Listening on 5000'; exec sleep 100\nworker: echo working; exec sleep 100\n");
        Write("formation.yml", "processes:\n  web: { ready: { output: 'Listening' } }\n  worker: { after: [web] }\n");
        var run = Run("start");
        await run.UntilStdout(l => l.EndsWith("| working"), "the worker");

        run.Signal("TERM");

        Assert.Equal(0, await run.ExitCode());
        var lines = run.Stdout.ToList();
        var ready = lines.FindIndex(l => l.Contains("system   | web.1 ready ("));
        var worker = lines.FindIndex(l => l.Contains("system   | worker.1 started with pid"));
        Assert.True(ready >= 0 && worker > ready, string.Join("\n", lines));
    }

    [Fact]
    public async Task Start_FailingTask_ExitsWithItsCode_AndPrintsItsLastLines()
    {
        Write("Procfile", "release: echo migrating; echo 'no such table' >&2; exit 6\nweb: exec sleep 100\n");
        Write("formation.yml", "processes:\n  release: { task: true }\n  web: { after: [release] }\n");

        var run = Run("start");

        Assert.Equal(6, await run.ExitCode());
        Assert.Contains("formation: task release.1 exited with code 6.", run.Stderr);
        Assert.Contains("  no such table", run.Stderr);
        Assert.DoesNotContain(run.Stdout, l => l.Contains("web.1 started"));
    }

    [Fact]
    public async Task Start_DependencyNotReadyInTime_ExitFour()
    {
        Write("Procfile", "web: exec sleep 100\nworker: exec sleep 100\n");
        Write("formation.yml", "processes:\n  web: { ready: { output: never }, ready_timeout: 200ms }\n  worker: { after: [web] }\n");

        var run = Run("start");

        Assert.Equal(4, await run.ExitCode());
        Assert.Contains("formation: web.1 not ready within 200 ms (output /never/).", run.Stderr);
    }

    [Fact]
    public async Task Start_PortInUse_IsRefused_UnlessForced()
    {
        Write("Procfile", "web: : \"$PORT\"; echo started; exec sleep 100\n");
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

            var refused = Run("start", "-p", port);
            Assert.Equal(1, await refused.ExitCode());
            Assert.Contains(refused.Stderr, l => l.StartsWith($"formation: port {port} for web.1 is in use by ") && l.Contains($"(pid {System.Environment.ProcessId})"));

            var forced = Run("start", "-p", port, "--force");
            await forced.UntilStdout(l => l.EndsWith("| started"), "the forced start");
            forced.Signal("INT");
            Assert.Equal(0, await forced.ExitCode());
            Assert.Contains(forced.Stdout, l => l.Contains($"port {port} for web.1 is in use by") && l.EndsWith("starting anyway (force)"));
        }
        finally
        {
            listener.Stop();
        }
    }
}
