using System.Diagnostics;
using Formation.Engine.Configuration;
using Formation.Engine.Output;
using Formation.Engine.Supervision;
using Formation.Engine.Tests.Support;
using Xunit.Abstractions;

namespace Formation.Engine.Tests.Supervision;

/// <summary>Floods, odd output and crowds: nothing lost, memory bounded, the manager keeps answering.</summary>
public class FloodsAndCrowdsTests(ITestOutputHelper output) : ProcessTest
{
    private static long ResidentBytes() =>
        long.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;

    [Fact]
    public async Task Flood_OneGiB_MemoryStaysBounded_AndTheManagerAnswers()
    {
        const long total = 1L << 30;
        var f = Create(Options($"flood: yes \"$(head -c 999 /dev/zero | tr '\\0' x)\" | head -c {total}\n") with { Restart = RestartPolicy.Never });
        long bytes = 0, lines = 0, peak = 0, answered = 0;
        var before = ResidentBytes();
        f.Output += (_, l) =>
        {
            if (l.Stream == LogStream.System) return;
            bytes += l.Line.Length + 1;
            if (++lines % 50_000 != 0) return;
            peak = Math.Max(peak, ResidentBytes() - before);
            // The manager still answers while the flood runs.
            if (f.GetProcesses().Count == 1 && f.GetLog("flood.1", tail: 1).Count == 1) answered++;
        };
        var watch = Stopwatch.StartNew();

        f.Start();
        await f.Completion.WaitAsync(TimeSpan.FromMinutes(3));

        output.WriteLine($"1 GiB in {watch.Elapsed.TotalSeconds:0.0} s, peak RSS growth {peak / 1048576} MiB");
        // head -c cuts the last line short: it has no newline of its own, so one counted '\n' is not in the stream.
        Assert.Equal(total, bytes - 1);
        Assert.True(answered > 10);
        Assert.True(peak < 512L << 20, $"memory grew by {peak / 1048576} MiB during the flood");
    }

    [Fact]
    public async Task TenMiBLineWithoutNewline_ArrivesWholeInPieces()
    {
        var f = Create(Options("long: head -c 10485760 /dev/zero | tr '\\0' y\n") with { Restart = RestartPolicy.Never });
        var events = new Events(f);

        f.Start();
        await f.Completion.WaitAsync(Patience);

        var pieces = events.LinesOf("long.1");
        Assert.Equal(10 * 1024 * 1024 / LineSplitter.MaxLineBytes, pieces.Count);
        Assert.Equal(10 * 1024 * 1024, pieces.Sum(p => p.Length));
        Assert.All(pieces, p => Assert.True(p.All(c => c == 'y')));
    }

    [Fact]
    public async Task BinaryOutput_NeverThrows_AndTheProcessEndsNormally()
    {
        var f = Create(Options("binary: head -c 1000000 /dev/urandom; printf '\\n\\377\\376 invalid \\300\\n'; echo done\n") with { Restart = RestartPolicy.Never });
        var events = new Events(f);

        f.Start();
        var result = await f.Completion.WaitAsync(Patience);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("done", events.LinesOf("binary.1"));
        Assert.Contains("\uFFFD\uFFFD invalid \uFFFD", events.LinesOf("binary.1"));
    }

    [Fact]
    public async Task ProcessClosingItsOutput_RunsOn_AndStops()
    {
        var f = Create(Options("quiet: echo bye; exec >&- 2>&-; exec sleep 100\n"));
        var events = new Events(f);

        f.Start();
        await events.UntilLine("quiet.1", "bye");

        Assert.Equal(ProcessState.Running, f.GetProcess("quiet.1")!.State);
        await f.StopAsync().WaitAsync(Patience);
        Assert.Equal(ProcessState.Stopped, f.GetProcess("quiet.1")!.State);
    }

    [Fact]
    public async Task CrashLoopOf50_BackoffHolds_AllEndFailedWithReasons()
    {
        var settings = new RestartSettings(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(200), 4, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5));
        var f = Create(Options("crash: echo dying; exit 9\n") with { Scale = ScaleSpec.Parse("crash=50"), RestartSettings = settings });
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;

        f.Start();
        var result = await f.Completion.WaitAsync(Patience);

        output.WriteLine($"manager CPU for 50 x 4 crashes: {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds:0.00} s");
        Assert.Equal((OutcomeCause.GaveUp, FormationOutcome.ProcessFailedExitCode), (result.Cause, result.ExitCode));
        Assert.All(f.GetProcesses(), p =>
        {
            Assert.Equal(ProcessState.Failed, p.State);
            Assert.Equal(3, p.Restarts);
            Assert.StartsWith("ended 4 times within 5 min (last exited with code 9)", p.FailureReason);
            Assert.Equal(["dying"], p.LastOutput.Distinct());
        });
    }

    [Fact]
    public async Task AThousandInstances_StartReportRunning_AndStopCleanly()
    {
        var f = Create(Options("many: exec sleep 1000\n") with { Scale = ScaleSpec.Parse("many=1000"), Port = 20000 });
        var watch = Stopwatch.StartNew();

        f.Start();
        var started = watch.Elapsed;
        Assert.Equal(1000, f.GetProcesses().Count(p => p.State == ProcessState.Running));
        Assert.Equal(20999, f.GetProcess("many.1000")!.Port);
        watch.Restart();
        await f.StopAsync().WaitAsync(TimeSpan.FromMinutes(1));

        output.WriteLine($"1,000 instances started in {started.TotalSeconds:0.00} s, stopped in {watch.Elapsed.TotalSeconds:0.00} s");
        Assert.All(f.GetProcesses(), p => Assert.Equal(ProcessState.Stopped, p.State));
        Assert.Empty(LeakScanner.Find(Token));
    }
}
