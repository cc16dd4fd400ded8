using System.Diagnostics;
using System.Text;
using Formation.Engine.Configuration;
using Formation.Engine.Os;
using Formation.Engine.Tests.Support;

namespace Formation.Cli.Tests;

/// <summary>Issue 11, run the way a user runs the CLI: each case failed before its fix.</summary>
public class HardeningTests : CliTest
{
    private const string Graceful = "web: trap 'sleep 1; echo graceful; exit 0' TERM; echo armed; while :; do sleep 0.1; done\n";

    [Theory]
    [InlineData("4294968")]
    [InlineData("50d")]
    [InlineData("25h")]
    public async Task Start_TimeoutAboveTheMaximum_IsAUsageError(string timeout)
    {
        Write("Procfile", "web: sleep 100\n");

        var run = Run("start", "-t", timeout);

        Assert.Equal(2, await run.ExitCode());
        Assert.Contains(run.Stderr, l => l.Contains($"Invalid timeout '{timeout}'") && l.EndsWith($"use {Duration.Grammar}."));
        Assert.Empty(LeakScanner.Find(Token));
    }

    [Fact]
    public async Task Start_TimeoutInTheGrammar_IsUsed()
    {
        Write("Procfile", "stubborn: trap '' TERM; echo armed; while :; do sleep 0.1; done\n");
        var run = Run("start", "-t", "300ms");
        await run.UntilStdout(l => l.EndsWith("| armed"), "the trap");

        run.Signal("TERM");

        Assert.Equal(0, await run.ExitCode());
        Assert.Contains(run.Stdout, l => l.Contains("killing stubborn.1 (pgid ") && l.EndsWith("still running 300 ms after SIGTERM"));
    }

    [Fact]
    public async Task Start_TwoHangupsOfOneTerminal_StopGracefully()
    {
        Write("Procfile", Graceful);
        var run = Run("start", "-t", "30s");
        await run.UntilStdout(l => l.EndsWith("| armed"), "the trap");

        run.Signal("HUP");
        await run.UntilStdout(l => l.EndsWith("SIGHUP received, stopping all processes"), "the first hangup");
        run.Signal("HUP");

        Assert.Equal(0, await run.ExitCode());
        Assert.Contains(run.Stdout, l => l.EndsWith("SIGHUP received again: the same request, still stopping gracefully"));
        Assert.Contains(run.Stdout, l => l.EndsWith("| graceful"));
        Assert.DoesNotContain(run.Stdout, l => l.Contains("killing"));
    }

    [Fact]
    public async Task Start_SecondTermAfterTheDuplicateWindow_Kills()
    {
        Write("Procfile", "stubborn: trap '' TERM; echo armed; while :; do sleep 0.1; done\n");
        var run = Run("start", "-t", "10m");
        await run.UntilStdout(l => l.EndsWith("| armed"), "the trap");

        run.Signal("TERM");
        await run.UntilStdout(l => l.Contains("sending SIGTERM to all processes"), "the stop to begin");
        // Not a wait for an event: the second request must come later than a duplicate delivery would.
        await Task.Delay(InterruptPolicy.DuplicateWindow + TimeSpan.FromMilliseconds(100));
        run.Signal("TERM");

        Assert.Equal(0, await run.ExitCode());
        Assert.Contains(run.Stdout, l => l.EndsWith("SIGTERM received again, killing all processes"));
    }

    [Fact]
    public async Task Start_DaemonTreeThatCalledSetsid_IsStoppedWhole()
    {
        Write("Procfile", "daemon: setsid sh -c 'sleep 600 & sleep 601' & sleep 0.2; echo detached\nweb: echo up; exec sleep 100\n");
        var run = Run("start", "--restart", "never");
        await run.UntilStdout(l => l.EndsWith("| detached"), "the daemon to detach");
        await run.UntilStdout(l => l.EndsWith("| up"), "web");
        Assert.Contains(LeakScanner.Find(Token), p => p.EndsWith(" sleep 601"));

        run.Signal("TERM");

        Assert.Equal(0, await run.ExitCode());
        Assert.Empty(LeakScanner.Find(Token));
        Assert.Equal(2, run.Stdout.Count(l => l.Contains(" system   | stopped sleep (pid ") && l.EndsWith("): it had left its process group")));
    }

    [Fact]
    public async Task Start_MoreInstancesThanDescriptors_IsRefusedBeforeSpawning()
    {
        Write("Procfile", "w: sleep 100\n");

        var run = RunWith(1024, Environment, "start", "-m", "w=1000", "-p", "17000");

        Assert.Equal(1, await run.ExitCode());
        var stderr = string.Join("\n", run.Stderr);
        Assert.StartsWith("formation: 1000 instances need 2000 file descriptors (2 each, for their output pipes), but the limit of ", stderr);
        Assert.Contains("Raise the limit with ulimit -n", stderr);
        Assert.DoesNotContain(run.Stdout, l => l.Contains("started"));
        Assert.Empty(LeakScanner.Find(Token));
    }

    [Fact]
    public async Task Check_DotEnvExpansionBomb_IsAnErrorWithItsLine()
    {
        Write("Procfile", "web: sleep 1\n");
        var bomb = new StringBuilder("A0=xxxxxxxxxxxxxxxx\n");
        for (var i = 1; i <= 30; i++) bomb.Append($"A{i}=${{A{i - 1}}}${{A{i - 1}}}\n");
        var env = Write("bomb.env", bomb.ToString());

        var run = Run("check", "-e", env);

        Assert.Equal(1, await run.ExitCode());
        Assert.StartsWith($"formation: {env}:15: The value (with its ${{...}} references expanded) is longer than 128 KiB", run.Stderr[0]);
    }

    [Theory]
    [InlineData("/dev/zero", "character device")]
    [InlineData("fifo", "FIFO (named pipe)")]
    public async Task Check_ProcfileThatIsNotAFile_IsRefused(string procfile, string kind)
    {
        if (procfile == "fifo")
        {
            using var mkfifo = Process.Start("mkfifo", [Path.Combine(Dir, "fifo")])!;
            await mkfifo.WaitForExitAsync().WaitAsync(CliRun.Patience);
        }

        var run = Run("check", "-f", procfile);

        Assert.Equal(1, await run.ExitCode());
        Assert.StartsWith($"formation: {Path.GetFullPath(procfile, Dir)}: This is a {kind}, not a regular file: a Procfile must be a file.", run.Stderr[0]);
    }

    [Fact]
    public async Task Start_ValidShellThatStartsWithAFunctionOrARedirection_Runs()
    {
        Write("Procfile", "a: greet() { echo hi; }; greet\nb: 2>/dev/null echo quiet\n");

        var run = Run("start", "--restart", "never");

        Assert.Equal(0, await run.ExitCode());
        Assert.Contains(run.Stdout, l => l.Contains(" a.1 ") && l.EndsWith("| hi"));
        Assert.Contains(run.Stdout, l => l.Contains(" b.1 ") && l.EndsWith("| quiet"));
    }

    [Fact]
    public async Task Check_NulByte_SecretAndCase_AreErrorsWithTheirLine()
    {
        File.WriteAllBytes(Path.Combine(Dir, "Procfile"), "web: echo a\0b\n"u8.ToArray());
        var nul = Run("check");
        Assert.Equal(1, await nul.ExitCode());
        Assert.StartsWith($"formation: {Path.Combine(Dir, "Procfile")}:1:12: The line holds a NUL byte", nul.Stderr[0]);

        Write("Procfile", "web: sleep 1\n");
        var env = Write("secret.env", "SECRET_KEY=\"s3cr3t-value\n");
        var secret = Run("check", "-e", env);
        Assert.Equal(1, await secret.ExitCode());
        Assert.DoesNotContain(secret.Stderr, l => l.Contains("s3cr3t"));
        Assert.Contains("    SECRET_KEY=********", secret.Stderr);

        Write("Procfile", "web: sleep 1\nWeb: sleep 2\n");
        var web = Run("check");
        Assert.Equal(1, await web.ExitCode());
        Assert.StartsWith($"formation: {Path.Combine(Dir, "Procfile")}:2: Process type 'Web' differs from 'web' (line 1) only by case.", web.Stderr[0]);
    }
}
