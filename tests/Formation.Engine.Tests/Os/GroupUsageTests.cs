using System.Globalization;
using Formation.Engine.Os;
using Formation.Engine.Supervision;
using Formation.Engine.Tests.Support;

namespace Formation.Engine.Tests.Os;

/// <summary>The CPU time and memory on the process snapshots, against what /proc says of the same group.</summary>
public class GroupUsageTests : ProcessTest
{
    private const int Mebibytes = 64;

    [Fact]
    public async Task GetProcesses_AGroupThatAllocatesAKnownAmount_ReportsWhatProcSaysOfItsMembers()
    {
        // Two members in the group: a sleep, and a process that makes 64 MiB resident and burns some CPU.
        var f = Start(Options($"big: sleep 1000 & exec {TestServer} alloc --mb {Mebibytes} --burn-ms 300\nsmall: exec sleep 1000\n"));
        var events = new Events(f);
        await events.Until(e => e.LinesOf("big.1").Any(l => l.StartsWith("allocated", StringComparison.Ordinal)), "the allocation");
        var pgid = f.GetProcess("big.1")!.ProcessId!.Value;

        var before = ProcRead(pgid);
        var big = f.GetProcess("big.1")!;
        var after = ProcRead(pgid);

        Assert.Equal(2, before.Members);
        Assert.InRange(big.Memory!.Value, (long)(0.95 * Math.Min(before.Rss, after.Rss)), (long)(1.05 * Math.Max(before.Rss, after.Rss)));
        Assert.True(big.Memory > Mebibytes * 1024L * 1024, $"{big.Memory} bytes resident: the {Mebibytes} MiB written are in it");
        Assert.InRange(big.CPU!.Value, before.CpuSeconds - 0.011, after.CpuSeconds + 0.011);
        Assert.True(big.CPU >= 0.2, $"{big.CPU} s of CPU: the 300 ms burnt are in it");
        var small = f.GetProcesses().Single(p => p.Name == "small.1");
        Assert.True(small.Memory < big.Memory);
        Assert.Equal(["big.1", "small.1"], f.GetProcesses().OrderByDescending(p => p.Memory).Select(p => p.Name));
    }

    [Fact]
    public async Task GetProcesses_AnInstanceThatDoesNotRun_HasNoFigures()
    {
        var f = Start(Options("once: exit 0\n") with { Restart = Engine.Configuration.RestartPolicy.Never });
        await f.Completion.WaitAsync(Patience);

        var once = f.GetProcess("once.1")!;

        Assert.Equal(ProcessState.Exited, once.State);
        Assert.Null(once.CPU);
        Assert.Null(once.Memory);
    }

    /// <summary>What the test reads of the group itself: its live members, the sum of their VmRSS and of their CPU ticks.</summary>
    private static (int Members, long Rss, double CpuSeconds) ProcRead(int pgid)
    {
        var (members, rss, ticks) = (0, 0L, 0L);
        foreach (var dir in System.IO.Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (fields[0] is "Z" or "X" || int.Parse(fields[2], CultureInfo.InvariantCulture) != pgid) continue;
                members++;
                ticks += Enumerable.Range(11, 4).Sum(i => long.Parse(fields[i], CultureInfo.InvariantCulture));
                var vmRss = File.ReadLines(Path.Combine(dir, "status")).First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
                rss += long.Parse(vmRss.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or InvalidOperationException)
            {
            }
        }
        return (members, rss, ticks / 100.0);
    }
}
