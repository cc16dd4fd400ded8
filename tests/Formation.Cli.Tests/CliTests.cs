using System.Text.RegularExpressions;
using Formation.Engine.Tests.Support;

namespace Formation.Cli.Tests;

public partial class CliTests : CliTest
{
    [Fact]
    public async Task Version_PrintsTheVersion_ExitsZero()
    {
        var run = Run("--version");

        Assert.Equal(0, await run.ExitCode());
        Assert.StartsWith("0.2.0", run.Stdout[0]);
    }

    [Fact]
    public async Task UnknownOption_IsAUsageError_ExitTwo()
    {
        var run = Run("start", "--no-such-option");

        Assert.Equal(2, await run.ExitCode());
        Assert.Contains(run.Stderr, l => l.Contains("--no-such-option"));
    }

    [Fact]
    public async Task Check_ValidProcfile_ListsTypesAndPorts_ExitZero()
    {
        Write("Procfile", "web: ./web\nworker: ./worker\n");

        var run = Run("check", "-m", "web=2");

        Assert.Equal(0, await run.ExitCode());
        Assert.Equal("valid procfile detected (web, worker)", run.Stdout[0]);
        Assert.Contains(run.Stdout, l => l.Contains("web") && l.Contains("x2") && l.Contains("ports 5000-5001"));
        Assert.Contains(run.Stdout, l => l.Contains("worker") && l.Contains("port 5100"));
    }

    [Fact]
    public async Task Check_InvalidProcfile_PrintsEveryErrorWithFileAndLine_ExitOne()
    {
        var procfile = Write("Procfile", "web: ok\nnot valid\nweb: again\n");

        var run = Run("check");

        Assert.Equal(1, await run.ExitCode());
        Assert.Contains($"formation: {procfile}:2: Not a process type: expected 'name: command' (a name of letters, digits, '_' or '-', then a colon and the command).", run.Stderr);
        Assert.Contains("    not valid", run.Stderr);
        Assert.Contains(run.Stderr, l => l.StartsWith($"formation: {procfile}:3: Duplicate process type 'web'"));
    }

    [Fact]
    public async Task Check_BadEnvLine_ExitOne()
    {
        Write("Procfile", "web: ./web\n");
        var env = Write(".env", "OK=1\nbroken line\n");

        var run = Run("check");

        Assert.Equal(1, await run.ExitCode());
        Assert.Contains(run.Stderr, l => l.StartsWith($"formation: {env}:2: Expected '='"));
    }

    [Fact]
    public async Task Start_MissingProcfile_SaysWhichPath_ExitOne()
    {
        var run = Run("start", "-f", "nope/Procfile");

        Assert.Equal(1, await run.ExitCode());
        Assert.Contains(run.Stderr, l => l.Contains($"No Procfile found at '{Path.Combine(Dir, "nope", "Procfile")}'"));
    }

    [Fact]
    public async Task Start_UnknownTypeInFormation_ListsValidTypes_ExitOne()
    {
        Write("Procfile", "web: ./web\nworker: ./worker\n");

        var run = Run("start", "-m", "wroker=2");

        Assert.Equal(1, await run.ExitCode());
        Assert.Contains(run.Stderr, l => l.Contains("Unknown process type 'wroker' in the formation. Valid types: web, worker (or 'all')."));
    }

    [Fact]
    public async Task Start_NegativeCount_ExitOne()
    {
        Write("Procfile", "web: ./web\n");

        var run = Run("start", "-m", "web=-1");

        Assert.Equal(1, await run.ExitCode());
        Assert.Contains(run.Stderr, l => l.Contains("Invalid count '-1' for 'web'"));
    }

    [Fact]
    public async Task Start_Output_IsPrefixedWithTimeAndPaddedName()
    {
        Write("Procfile", "web: echo hello from web\n");

        var run = Run("start", "--restart", "never");

        Assert.Equal(0, await run.ExitCode());
        Assert.Contains(run.Stdout, l => PrefixedLine().IsMatch(l) && l.EndsWith(" web.1  | hello from web"));
        Assert.Contains(run.Stdout, l => l.Contains(" system | web.1 exited with code 0"));
        Assert.DoesNotContain(run.Stdout, l => l.Contains('\u001b'));
    }

    [Fact]
    public async Task Start_NoTimestamp_AndColorAlways()
    {
        Write("Procfile", "web: echo hi\n");

        var run = Run("start", "--restart", "never", "--no-timestamp", "--color", "always");

        Assert.Equal(0, await run.ExitCode());
        Assert.Contains("\u001b[36mweb.1  | \u001b[0mhi", run.Stdout);
    }

    [Fact]
    public async Task Start_ExitOnError_ExitsWithTheProcessCode()
    {
        Write("Procfile", "ok: sleep 100\nbad: sleep 0.2; exit 7\n");

        var run = Run("start", "--exit-on-error", "--restart", "never");

        Assert.Equal(7, await run.ExitCode());
        Assert.Contains(run.Stdout, l => l.Contains("bad.1 ended and is not restarted: stopping the formation (exit-on-error)"));
    }

    [Fact]
    public async Task Start_AllEndAndOneCrashed_ExitThree()
    {
        Write("Procfile", "ok: true\nbad: exit 4\n");

        var run = Run("start", "--restart", "never");

        Assert.Equal(3, await run.ExitCode());
    }

    [Theory]
    [InlineData("INT")]
    [InlineData("TERM")]
    [InlineData("HUP")]
    public async Task Start_Signal_StopsEveryGroup_ExitZero(string signal)
    {
        Write("Procfile", "web: echo ready; exec sleep 1000\ntree: sh -c 'sleep 1000 & sleep 1000 & echo ready; wait'\n");
        var run = Run("start", "-m", "web=2");
        await run.UntilStdout(l => l.EndsWith(" tree.1 | ready"), "tree to be ready");
        await run.UntilStdout(l => l.EndsWith(" web.2  | ready"), "web.2 to be ready");

        run.Signal(signal);

        Assert.Equal(0, await run.ExitCode());
        Assert.Contains(run.Stdout, l => l.EndsWith($"system | SIG{signal} received, stopping all processes"));
        Assert.Empty(LeakScanner.Find(Token));
    }

    [Fact]
    public async Task Start_SecondInterrupt_KillsAtOnce()
    {
        Write("Procfile", "stubborn: trap '' TERM INT; echo armed; while :; do sleep 1; done\n");
        var run = Run("start", "-t", "600");
        await run.UntilStdout(l => l.EndsWith("| armed"), "the trap");

        run.Signal("INT");
        await run.UntilStdout(l => l.Contains("sending SIGTERM to all processes"), "the stop to begin");
        run.Signal("INT");

        Assert.Equal(0, await run.ExitCode());
        Assert.Contains(run.Stdout, l => l.Contains("SIGINT received again, killing all processes"));
        Assert.Contains(run.Stdout, l => l.Contains("killing stubborn.1"));
    }

    [Fact]
    public async Task Start_PositionalTypes_RunOnlyThose()
    {
        Write("Procfile", "web: echo web ran\nworker: echo worker ran\nclock: echo clock ran\n");

        var run = Run("start", "worker", "clock", "--restart", "never");

        Assert.Equal(0, await run.ExitCode());
        Assert.Contains(run.Stdout, l => l.EndsWith("| worker ran"));
        Assert.Contains(run.Stdout, l => l.EndsWith("| clock ran"));
        Assert.DoesNotContain(run.Stdout, l => l.EndsWith("| web ran"));
    }

    [Fact]
    public async Task Start_EnvFilesAndPort_ReachTheProcesses()
    {
        Write("Procfile", "web: echo \"$PORT $FOO $BAR\"\n");
        Write("a.env", "FOO=from-a\nBAR=from-a\n");
        Write("b.env", "BAR=\"from b\"\n");

        var run = Run("start", "-e", "a.env,b.env", "-p", "6000", "--restart", "never");

        Assert.Equal(0, await run.ExitCode());
        Assert.Contains(run.Stdout, l => l.EndsWith("| 6000 from-a from b"));
    }

    [Fact]
    public async Task Run_ReturnsTheCommandsExitCode_WithTheEnvFile()
    {
        Write(".env", "GREETING=\"hi there\"\n");

        var run = Run("run", "echo \"$GREETING\"; exit 5");

        Assert.Equal(5, await run.ExitCode());
        Assert.Equal(["hi there"], run.Stdout);
    }

    [Fact]
    public async Task Run_SeveralArguments_RunAsAnArgumentVector()
    {
        var run = Run("run", "printf", "%s|", "a b", "$HOME");

        Assert.Equal(0, await run.ExitCode());
        Assert.Equal(["a b|$HOME|"], run.Stdout);
    }

    [Fact]
    public async Task Run_MissingProgram_Exit127()
    {
        var run = Run("run", "no-such-program-xyz", "arg");

        Assert.Equal(127, await run.ExitCode());
        Assert.Equal(["formation: command not found: 'no-such-program-xyz' (searched PATH=" + Environment["PATH"] + ")."], run.Stderr);
    }

    [GeneratedRegex(@"^\d\d:\d\d:\d\d ")]
    private static partial Regex PrefixedLine();
}
