using System.Text.Json;
using Formation.Engine.Tests.Support;

namespace Formation.Cli.Tests;

/// <summary>
/// <c>formation reload</c> from a second process against a real <c>formation start</c>, the resource columns of
/// <c>ps</c>, and the stop order with and without <c>--no-ordered-stop</c>.
/// </summary>
public class ReloadCliTests : ControlCliTest
{
    [Fact]
    public async Task Reload_AnEditedProcfile_PrintsThePlan_DryRunChangesNothing_ThenApplies()
    {
        Write("Procfile", "web: exec sleep 300\nworker: exec sleep 300\n");
        var owner = RunWith(Env, "start", "--no-timestamp", "--name", "shop", "-p", "17600");
        await owner.UntilStdout(l => l.Contains("worker.1 started with pid"), "worker to start");
        var worker = (await Ps())["worker.1"];
        Write("Procfile", "web: exec sleep 301\nworker: exec sleep 300\nclock: exec sleep 300\n");

        var dry = RunWith(Env, "reload", "--dry-run");
        Assert.Equal(0, await dry.ExitCode());
        var unchanged = await Ps();
        var reload = RunWith(Env, "reload", "shop");
        Assert.Equal(0, await reload.ExitCode());
        var after = await Ps();

        Assert.Equal(
        [
            "TYPE    ACTION   INSTANCES  WHY",
            "web     restart  1          command",
            "worker  keep     1          unchanged",
            "clock   start    0 -> 1     new in the Procfile",
            "shop: dry run, nothing changed.",
        ], dry.Stdout);
        Assert.Equal(["web.1", "worker.1"], unchanged.Keys);
        Assert.Equal(dry.Stdout.Take(4), reload.Stdout.Take(4));
        Assert.Matches(@"^shop reloaded in \d", reload.Stdout[^1]);
        Assert.Equal(["web.1", "worker.1", "clock.1"], after.Keys);
        Assert.Equal(worker, after["worker.1"]);
        Assert.NotEqual(unchanged["web.1"], after["web.1"]);
        Assert.Contains(owner.Stdout, l => l.Contains("reloading: web: restart (command); clock: start 0 → 1 (new in the Procfile)"));

        owner.Signal("TERM");
        Assert.Equal(0, await owner.ExitCode());
        Assert.Empty(LeakScanner.Find(Token));
    }

    [Fact]
    public async Task Reload_FilesThatDoNotValidate_ExitsOneNamingFileAndLine_AndChangesNothing()
    {
        var procfile = Write("Procfile", "web: exec sleep 300\n");
        var owner = RunWith(Env, "start", "--no-timestamp", "-p", "17610");
        await owner.UntilStdout(l => l.Contains("web.1 started with pid"), "web to start");
        var before = await Ps();
        Write("Procfile", "web: exec sleep 301\nthis is no process line\n");

        var reload = RunWith(Env, "reload");

        Assert.Equal(1, await reload.ExitCode());
        Assert.StartsWith($"formation: {procfile}:2: ", reload.Stderr[0]);
        Assert.Equal(before, await Ps());
        owner.Signal("TERM");
        Assert.Equal(0, await owner.ExitCode());
    }

    [Fact]
    public async Task Ps_ShowsEachGroupsCpuAndMemory_TheSameFiguresAsItsJson()
    {
        Write("Procfile", "web: exec sleep 300\n");
        var owner = RunWith(Env, "start", "--no-timestamp", "-p", "17620");
        await owner.UntilStdout(l => l.Contains("web.1 started with pid"), "web to start");

        var json = RunWith(Env, "ps", "--json");
        Assert.Equal(0, await json.ExitCode());
        var table = RunWith(Env, "ps");
        Assert.Equal(0, await table.ExitCode());

        using var rows = JsonDocument.Parse(string.Join("\n", json.Stdout));
        var web = rows.RootElement[0];
        var memory = web.GetProperty("Memory").GetInt64();
        Assert.InRange(memory, 1, 1L << 30);
        Assert.True(web.GetProperty("CPU").GetDouble() >= 0);
        Assert.Matches(@"^NAME\s+PID\s+STATE\s+PORT\s+RESTARTS\s+STARTED\s+CPU\(s\)\s+MEM\(MB\)\s+COMMAND$", table.Stdout[0]);
        Assert.Matches(@"^web\.1\s+\d+\s+Running\s+17620\s+0\s+\S+\s+\d+\.\d\d\s+\d+\.\d\s+exec sleep 300$", table.Stdout[1]);
        owner.Signal("TERM");
        Assert.Equal(0, await owner.ExitCode());
    }

    [Theory]
    [InlineData(false, "sending SIGTERM to worker (web after it: reverse start order)")]
    [InlineData(true, "sending SIGTERM to all processes")]
    public async Task Start_WithAfter_StopsInReverseStartOrder_UnlessNoOrderedStop(bool noOrderedStop, string line)
    {
        Write("Procfile", "web: exec sleep 300\nworker: exec sleep 300\n");
        Write("formation.yml", "processes:\n  worker: { after: [web] }\n");
        var owner = RunWith(Env, ["start", "--no-timestamp", "-p", "17630", .. noOrderedStop ? new[] { "--no-ordered-stop" } : []]);
        await owner.UntilStdout(l => l.Contains("worker.1 started with pid"), "worker to start");

        owner.Signal("INT");

        Assert.Equal(0, await owner.ExitCode());
        Assert.Contains(owner.Stdout, l => l.StartsWith("system ") && l.EndsWith($"| {line}"));
        if (!noOrderedStop) Assert.Contains(owner.Stdout, l => l.StartsWith("system ") && l.EndsWith("| sending SIGTERM to web"));
    }

    /// <summary><c>formation ps --json</c>: each instance's pid, by name.</summary>
    private async Task<Dictionary<string, int>> Ps()
    {
        var ps = RunWith(Env, "ps", "--json");
        Assert.Equal(0, await ps.ExitCode());
        using var json = JsonDocument.Parse(string.Join("\n", ps.Stdout));
        return json.RootElement.EnumerateArray().ToDictionary(r => r.GetProperty("Name").GetString()!, r => r.GetProperty("ProcessId").GetInt32());
    }
}
