using System.Diagnostics;
using Formation.Engine.Tests.Support;
using Xunit.Abstractions;

namespace Formation.Cli.Tests;

/// <summary>Nothing outlives the manager, even when the manager itself is killed.</summary>
public class ContainmentTests(ITestOutputHelper output) : CliTest
{
    [Fact]
    public async Task ManagerKilledWithSigkill_EveryGroupItStartedIsGone()
    {
        Write("Procfile", "web: echo ready; exec sleep 1000\ntree: sh -c 'sleep 1000 & sleep 1000 & echo ready; wait'\nstubborn: trap '' TERM INT; echo ready; while :; do sleep 1; done\n");
        var run = Run("start", "-m", "web=3");
        foreach (var name in new[] { "web.3", "tree.1", "stubborn.1" })
            await run.UntilStdout(l => l.Contains($" {name} ") && l.EndsWith("| ready"), name);
        Assert.NotEmpty(LeakScanner.Find(Token));

        var killed = Stopwatch.StartNew();
        run.Signal("KILL");
        await run.ExitCode();
        var left = LeakScanner.Find(Token);
        while (left.Count > 0 && killed.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(50);
            left = LeakScanner.Find(Token);
        }

        output.WriteLine($"all processes gone {killed.Elapsed.TotalSeconds:0.00} s after SIGKILL to the manager");
        Assert.Empty(left);
    }
}

/// <summary>A daemon that leaves its process group (setsid) is still stopped, and named.</summary>
public class EscapedDaemonTests : CliTest
{
    [Fact]
    public async Task DaemonThatCalledSetsid_IsStoppedWhenTheFormationStops()
    {
        Write("Procfile", "daemon: setsid sleep 1000 & echo forked; exec sleep 1000\n");
        var run = Run("start");
        await run.UntilStdout(l => l.EndsWith("| forked"), "the daemon to fork");

        run.Signal("TERM");

        Assert.Equal(0, await run.ExitCode());
        Assert.Contains(run.Stdout, l => l.Contains(" system   | stopped sleep (pid ") && l.EndsWith("): it had left its process group"));
        Assert.Empty(LeakScanner.Find(Token));
    }
}
