using System.Diagnostics;
using Formation.Engine.Tests.Support;
using Xunit.Abstractions;

namespace Formation.Cli.Tests;

/// <summary>Nothing outlives the manager, even when the manager itself is killed.</summary>
public class ManagerKilledTests(ITestOutputHelper output) : CliTest
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

    /// <summary>Issue 19.8: what left its process group (setsid daemons) does not outlive a manager killed with SIGKILL either.</summary>
    [Fact]
    public async Task ManagerKilledWithSigkill_DaemonsThatCalledSetsid_AreGoneToo()
    {
        Write("Procfile",
            "daemon: setsid sh -c 'sleep 600' & setsid sh -c 'sleep 601 & sleep 602' & echo \"marker $FORMATION_ID\"; exec sleep 1000\n" +
            "stubborn: setsid sh -c 'trap \"\" TERM; while :; do sleep 1; done' & echo armed; exec sleep 1000\n");
        var run = RunWith(PrivateEnvironment, "start");
        await run.UntilStdout(l => l.Contains("| marker "), "the daemons to detach");
        await run.UntilStdout(l => l.EndsWith("| armed"), "the stubborn daemon");
        var marker = "FORMATION_ID=" + run.Stdout.First(l => l.Contains("| marker "))[(run.Stdout.First(l => l.Contains("| marker ")).IndexOf("| marker ", StringComparison.Ordinal) + 9)..];
        await WaitFor(() => Marked(marker).Count >= 6, "the daemons to run");

        var killed = Stopwatch.StartNew();
        run.Signal("KILL");
        await run.ExitCode();
        await WaitFor(() => Marked(marker).Count == 0 && LeakScanner.Find(Token).Count == 0, "every marked process to be gone", TimeSpan.FromSeconds(10));

        output.WriteLine($"all marked processes gone {killed.Elapsed.TotalSeconds:0.00} s after SIGKILL to the manager");
    }

    /// <summary>Live processes whose environment holds the marker, as /proc shows them.</summary>
    private static List<int> Marked(string marker)
    {
        var needle = System.Text.Encoding.UTF8.GetBytes(marker + "\0");
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                if (stat[(stat.LastIndexOf(')') + 2)..][0] is 'Z' or 'X') continue;
                if (File.ReadAllBytes(Path.Combine(dir, "environ")).AsSpan().IndexOf(needle) >= 0) found.Add(pid);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        }
        return found;
    }

    private static async Task WaitFor(Func<bool> condition, string what, TimeSpan? bound = null)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < (bound ?? CliRun.Patience), $"Timed out waiting for {what}.");
            await Task.Delay(50);
        }
    }
}
