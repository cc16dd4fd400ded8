using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Formation.Engine.Os;
using Xunit.Abstractions;

namespace Formation.Cli.Tests;

/// <summary>
/// Issue 19.6, with real rlimits (<c>ulimit -n</c>): start and scale judge descriptors alike, count what an
/// instance really holds (read from /proc/PID/fd), and neither promises what it cannot do.
/// </summary>
public partial class DescriptorLimitTests(ITestOutputHelper output) : CliTest
{
    [Fact]
    public async Task StartAndScale_RefuseWhatCannotFit_BeforeAnythingChanges_AndDoAllThatFits()
    {
        Write("Procfile", "w: sleep 1000\n");
        var refused = Start(256, "w=600");
        Assert.Equal(1, await refused.ExitCode());
        var message = Assert.Single(refused.Stderr);
        Assert.Matches(@"^formation: 600 instances need 1200 file descriptors \(2 each, for their output pipes\), but the limit of 256 leaves room for \d+ " +
                       @"\(\d+ open, 128 kept for Formation itself\): at most \d+ fit\. Raise the limit with ulimit -n", message);
        Assert.Empty(refused.Stdout);
        var fit = int.Parse(FitPattern().Match(message).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(fit, 10, 60);

        // Exactly as many as the start said fit: every one runs, and the control requests still have room.
        var run = Start(256, $"w={fit}");
        await run.UntilStdout(l => l.Contains($" w.{fit} started with pid "), $"w.{fit} to start");
        Assert.Equal(Enumerable.Repeat("Running", fit), await States());
        Assert.Equal(0, await Control("restart", "w.1").ExitCode());

        // A scale judges the same way, with what is open now: it says how many more fit, and refuses one more.
        var tooMany = Control("scale", "w=600");
        Assert.Equal(1, await tooMany.ExitCode());
        Assert.Contains(tooMany.Stderr, l => l.Contains($"{600 - fit} more instances need {2 * (600 - fit)} file descriptors") && l.Contains("ulimit -n"));
        var more = int.Parse(FitPattern().Match(string.Join("\n", tooMany.Stderr)).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(Enumerable.Repeat("Running", fit), await States()); // nothing changed
        Assert.Equal(1, await Control("scale", $"w={fit + more + 1}").ExitCode());
        Assert.Equal(Enumerable.Repeat("Running", fit), await States());

        // The largest scale it accepts (the figure can drop by one or two: a request loads code the first time):
        // every instance runs, and the manager still restarts one.
        var count = fit + more;
        while (await Control("scale", $"w={count}").ExitCode() != 0)
        {
            Assert.Equal(Enumerable.Repeat("Running", fit), await States());
            Assert.True(--count > fit + more - 4, $"a scale to w={count + 1} was refused though the last refusal said {more} more fit");
        }
        Assert.Equal(Enumerable.Repeat("Running", count), await States());
        Assert.Equal(0, await Control("restart", $"w.{count}").ExitCode());
        output.WriteLine($"ulimit -n 256: the start fits {fit} instances, a scale then said {more} more, and took {count - fit}");

        run.Signal("TERM");
        Assert.Equal(0, await run.ExitCode());
        Assert.DoesNotContain(run.Stdout, l => l.Contains("too many open files"));
    }

    [Fact]
    public async Task Instances_HoldWhatTheJudgmentCounts_ReadFromProcFd()
    {
        Write("Procfile", "w: sleep 1000\n");
        var refused = Start(1024, "w=600");
        Assert.Equal(1, await refused.ExitCode());
        var openAtCheck = int.Parse(OpenPattern().Match(refused.Stderr[0]).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

        var run = Start(1024, "w=1");
        await run.UntilStdout(l => l.Contains(" w.1 started with pid "), "w.1 to start");
        // The manager's one-time costs: the first requests of each kind load their code.
        foreach (var args in new[] { new[] { "ps" }, ["logs", "-n", "1"], ["restart", "w.1"], ["scale", "w=2"], ["scale", "w=1"] })
            Assert.Equal(0, await Control(args).ExitCode());
        var (one, onePipes) = (OpenDescriptors(run.Pid), OpenPipes(run.Pid));
        Assert.Equal(0, await Control("scale", "w=41").ExitCode());
        var (many, manyPipes) = (OpenDescriptors(run.Pid), OpenPipes(run.Pid));

        output.WriteLine($"open at the check: {openAtCheck}; with 1 instance after requests: {one} ({onePipes} pipes); with 41: {many} ({manyPipes} pipes)");
        // What each instance holds: its two pipes (the count of everything else moves with the control connection just served).
        Assert.Equal(40 * FileDescriptors.PerInstance, manyPipes - onePipes);
        Assert.InRange(one - openAtCheck - FileDescriptors.PerInstance, 0, FileDescriptors.StartOverhead);
        // A scale's judgment is made while its own request is served: that is within the transient allowance.
        Assert.InRange(many - one, 0, 40 * FileDescriptors.PerInstance + FileDescriptors.Transient);
        run.Signal("TERM");
        Assert.Equal(0, await run.ExitCode());
    }

    private CliRun Start(int openFiles, string scale) => RunWith(openFiles, PrivateEnvironment, "start", "-m", scale, "-p", "20000");

    private CliRun Control(params string[] args) => RunWith(PrivateEnvironment, args);

    private async Task<IEnumerable<string>> States()
    {
        var ps = Control("ps", "--json");
        Assert.Equal(0, await ps.ExitCode());
        return JsonNode.Parse(string.Join("\n", ps.Stdout))!.AsArray().Select(p => p!["State"]!.GetValue<string>()).ToArray();
    }

    private static int OpenDescriptors(int pid) => Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length;

    private static int OpenPipes(int pid) =>
        Directory.GetFileSystemEntries($"/proc/{pid}/fd").Count(fd => new FileInfo(fd).LinkTarget is { } target && target.StartsWith("pipe:", StringComparison.Ordinal));

    [GeneratedRegex(@"at most (\d+) (?:more )?fit")]
    private static partial Regex FitPattern();

    [GeneratedRegex(@"\((\d+) open, ")]
    private static partial Regex OpenPattern();
}
