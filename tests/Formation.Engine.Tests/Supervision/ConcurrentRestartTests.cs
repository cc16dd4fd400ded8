using Formation.Engine.Supervision;
using Formation.Engine.Tests.Support;
using Xunit.Abstractions;

namespace Formation.Engine.Tests.Supervision;

/// <summary>
/// One instance, one process: start, stop and restart of an instance are serialized in the engine, whoever
/// asks and from how many threads. Live processes are counted from /proc (zombies do not count).
/// </summary>
public class ConcurrentRestartTests(ITestOutputHelper output) : ProcessTest
{
    private const int Rounds = 12;
    private const int Concurrent = 8;

    [Fact]
    public async Task RestartProcess_EightAtOnce_ManyRounds_LeavesExactlyOneLiveProcessHoldingThePort()
    {
        var port = FreePort();
        var f = Start(Options("web: exec sleep 600\nworker: exec sleep 600\n") with { Port = port, Scale = new Dictionary<string, int> { ["worker"] = 1 } });

        for (var round = 0; round < Rounds; round++)
        {
            var restarts = Enumerable.Range(0, Concurrent)
                .Select(i => Task.Run(() => i % 4 == 3 ? f.StopProcessAsync("web.1") : f.RestartProcessAsync("web.1")))
                .ToList();
            // Every call returns (bounded), whatever the others do.
            await Task.WhenAll(restarts).WaitAsync(Patience);
            // A stop may have been the last word: start it again, as a user would, before counting.
            f.StartProcess("web.1");

            var live = LiveWith("FORMATION_PROCESS=web.1");
            Assert.True(live.Count == 1, $"round {round}: {live.Count} live web.1 processes ({string.Join(", ", live)})");
            var snapshot = f.GetProcess("web.1")!;
            Assert.Equal(live[0], snapshot.ProcessId);
            Assert.Equal($"PORT={port}", Environ(live[0]).Single(v => v.StartsWith("PORT=", StringComparison.Ordinal)));
            Assert.Single(LiveWith("FORMATION_PROCESS=worker.1"));
        }
        output.WriteLine($"{Rounds} rounds of {Concurrent} concurrent restarts and stops: one live web.1 after each");
    }

    [Fact]
    public async Task RestartProcess_FromManyThreads_EachCallReturnsTheRunItLeft()
    {
        var f = Start(Options("web: exec sleep 600\n"));

        var results = await Task.WhenAll(Enumerable.Range(0, Concurrent).Select(_ => Task.Run(() => f.RestartProcessAsync("web.1")))).WaitAsync(Patience);

        Assert.All(results, r => Assert.Equal(ProcessState.Running, r.State));
        Assert.Equal(Concurrent, results.Select(r => r.ProcessId).Distinct().Count());
        Assert.Equal(results.Max(r => r.Restarts), f.GetProcess("web.1")!.Restarts);
        Assert.Single(LiveWith("FORMATION_PROCESS=web.1"));
    }

    /// <summary>Live (not zombie) processes of this test whose environment holds <paramref name="variable"/>.</summary>
    private List<int> LiveWith(string variable) =>
        System.IO.Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
            .Where(pid => pid > 0 && IsLive(pid))
            .Where(pid => Environ(pid) is var env && env.Contains($"{LeakScanner.TokenVariable}={Token}") && env.Contains(variable))
            .ToList();

    /// <summary>Not a zombie (dash leaves them to PID 1, which reaps only every few seconds).</summary>
    private static bool IsLive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] is not ('Z' or 'X');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string[] Environ(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/environ").Split('\0');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
