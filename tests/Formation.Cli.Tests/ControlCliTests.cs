using System.Diagnostics;
using System.Text.Json;
using Formation.Engine.Tests.Support;

namespace Formation.Cli.Tests;

/// <summary>The control verbs from a second process against a real <c>formation start</c>.</summary>
public class ControlCliTests : ControlCliTest
{
    private const string Procfile = "web: while :; do echo \"tick $PORT\"; sleep 0.2; done\nworker: while :; do echo work; sleep 0.2; done\n";

    [Fact]
    public async Task Ps_FromASecondProcess_ListsTheRunningInstances_ThenStopEndsEverything()
    {
        var owner = await StartAsync(Procfile, "-m", "web=2,worker=1", "-p", "17700", "--name", "shop");

        var ps = RunWith(Env, "ps", "--json");
        Assert.Equal(0, await ps.ExitCode());
        using var json = JsonDocument.Parse(string.Join("\n", ps.Stdout));
        var rows = json.RootElement.EnumerateArray().ToList();
        Assert.Equal(["web.1", "web.2", "worker.1"], rows.Select(r => r.GetProperty("Name").GetString()));
        Assert.Equal([17700, 17701, 17800], rows.Select(r => r.GetProperty("Port").GetInt32()));
        Assert.All(rows, r => Assert.Equal("Running", r.GetProperty("State").GetString()));
        Assert.All(rows, r => Assert.True(Directory.Exists($"/proc/{r.GetProperty("ProcessId").GetInt32()}")));
        Assert.All(rows, r => Assert.Equal(0, r.GetProperty("Restarts").GetInt32()));
        Assert.Equal(["web", "web", "worker"], rows.Select(r => r.GetProperty("Type").GetString()));
        Assert.Equal([1, 2, 1], rows.Select(r => r.GetProperty("Index").GetInt32()));

        var ls = RunWith(Env, "ls", "--json");
        Assert.Equal(0, await ls.ExitCode());
        using var formations = JsonDocument.Parse(string.Join("\n", ls.Stdout));
        var shop = Assert.Single(formations.RootElement.EnumerateArray().ToList());
        Assert.Equal(("shop", owner.Pid, 3), (shop.GetProperty("Name").GetString(), shop.GetProperty("OwnerProcessId").GetInt32(), shop.GetProperty("ProcessCount").GetInt32()));

        var stop = RunWith(Env, "stop");
        Assert.Equal(0, await stop.ExitCode());
        Assert.Equal(0, await owner.ExitCode());
        Assert.Empty(Directory.GetFiles(SocketDir));
        Assert.Empty(LeakScanner.Find(Token));
    }

    [Fact]
    public async Task RestartAndScale_FromASecondProcess_KeepPortsAndUseTheNextOnes()
    {
        var owner = await StartAsync(Procfile, "-m", "web=1,worker=1", "-p", "17710");

        var restart = RunWith(Env, "restart", "web.1");
        Assert.Equal(0, await restart.ExitCode());
        Assert.Matches(@"^web\.1 restarted: pid \d+ -> \d+", restart.Stdout.Single());

        var scale = RunWith(Env, "scale", "web=3,worker=0");
        Assert.Equal(0, await scale.ExitCode());
        Assert.Equal(["web=3 (+web.2 +web.3)", "worker=0 (-worker.1)"], scale.Stdout);

        var ps = RunWith(Env, "ps");
        Assert.Equal(0, await ps.ExitCode());
        Assert.Equal(["NAME", "web.1", "web.2", "web.3"], ps.Stdout.Select(l => l.Split(' ')[0]));
        Assert.Contains(ps.Stdout, l => l.StartsWith("web.1") && l.Contains(" 17710 ") && l.Contains(" 1 "));
        Assert.Contains(ps.Stdout, l => l.StartsWith("web.3") && l.Contains(" 17712 "));

        // One instance stopped, then started again, from the second process: the others keep running.
        var stopOne = RunWith(Env, "stop", "web.2");
        Assert.Equal(0, await stopOne.ExitCode());
        var stopped = RunWith(Env, "ps", "--json");
        Assert.Equal(0, await stopped.ExitCode());
        Assert.Equal(["Running", "Stopped", "Running"], JsonDocument.Parse(string.Join("\n", stopped.Stdout)).RootElement.EnumerateArray().Select(r => r.GetProperty("State").GetString()));
        var startOne = RunWith(Env, "start-process", "web.2");
        Assert.Equal(0, await startOne.ExitCode());
        var started = RunWith(Env, "ps", "--json");
        Assert.Equal(0, await started.ExitCode());
        Assert.All(JsonDocument.Parse(string.Join("\n", started.Stdout)).RootElement.EnumerateArray(), r => Assert.Equal("Running", r.GetProperty("State").GetString()));

        var unknown = RunWith(Env, "restart", "nope");
        Assert.Equal(1, await unknown.ExitCode());
        Assert.Contains(unknown.Stderr, l => l.Contains("No process or type named 'nope'"));

        owner.Signal("TERM");
        Assert.Equal(0, await owner.ExitCode());
    }

    [Fact]
    public async Task LogsFollow_StreamsNewLines_AndEndsWhenTheFormationEnds()
    {
        var owner = await StartAsync(Procfile, "-m", "web=1,worker=0", "-p", "17720");

        var logs = RunWith(Env, "logs", "-f", "-n", "1", "web");
        await logs.UntilStdout(l => l.Contains("web.1") && l.EndsWith("tick 17720"), "a followed line");
        var before = logs.Stdout.Count;
        await logs.UntilStdout(_ => logs.Stdout.Count > before + 2, "new lines");
        owner.Signal("INT");

        Assert.Equal(0, await owner.ExitCode());
        Assert.Equal(0, await logs.ExitCode());
        Assert.Empty(logs.Stderr);
    }

    [Fact]
    public async Task SigkillOfTheOwner_LeavesAStaleSocket_ThatLsReportsGoneAndRemoves()
    {
        var owner = await StartAsync(Procfile, "-m", "web=1,worker=0", "-p", "17730", "--name", "doomed");
        Assert.Single(Directory.GetFiles(SocketDir, "*.sock"));

        owner.Signal("KILL");
        await owner.ExitCode();
        Assert.Single(Directory.GetFiles(SocketDir, "*.sock")); // nobody removed it

        var ls = RunWith(Env, "ls");
        Assert.Equal(0, await ls.ExitCode());
        Assert.Empty(ls.Stdout);
        Assert.Contains(ls.Stderr, l => l.Contains("'doomed' is gone") && l.Contains($"pid {owner.Pid}") && l.Contains("removed its stale socket"));
        Assert.Empty(Directory.GetFiles(SocketDir));

        var ps = RunWith(Env, "ps");
        Assert.Equal(6, await ps.ExitCode());
        Assert.Contains(ps.Stderr, l => l.Contains("No formation is running"));

        // The name is free again.
        var again = await StartAsync(Procfile, "-m", "web=1,worker=0", "-p", "17731", "--name", "doomed");
        again.Signal("TERM");
        Assert.Equal(0, await again.ExitCode());
    }

    [Fact]
    public async Task Start_NameAlreadyRunning_IsRefused_AndNoTcpListenerIsOurs()
    {
        var owner = await StartAsync(Procfile, "-m", "web=1,worker=0", "-p", "17740", "--name", "solo");

        var second = RunWith(Env, "start", "-m", "web=1,worker=0", "-p", "17745", "--name", "solo");
        Assert.Equal(1, await second.ExitCode());
        Assert.Contains(second.Stderr, l => l.Contains("A formation named 'solo' is already running"));

        var ss = Process.Start(new ProcessStartInfo("ss", "-ltnpH") { RedirectStandardOutput = true })!;
        var listeners = await ss.StandardOutput.ReadToEndAsync();
        await ss.WaitForExitAsync();
        Assert.DoesNotContain($"pid={owner.Pid},", listeners);

        owner.Signal("TERM");
        Assert.Equal(0, await owner.ExitCode());
    }

    [Fact]
    public async Task Verbs_WithNoFormationRunning_ExitFive()
    {
        var ps = RunWith(Env, "ps");
        Assert.Equal(6, await ps.ExitCode());
        var logs = RunWith(Env, "logs", "--name", "nothing");
        Assert.Equal(6, await logs.ExitCode());
        Assert.Contains(logs.Stderr, l => l.Contains("No formation named 'nothing' is running"));
    }
}
