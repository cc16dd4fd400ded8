using Formation.Engine.Tests.Support;

namespace Formation.Cli.Tests;

/// <summary><c>formation start --log-dir</c> when the log directory is full or not to be trusted (issue 19.4, 19.7).</summary>
public class LogFilesCliTests : CliTest
{
    [SkippableFact]
    public async Task Start_LogDirectoryOnAFullDisk_SaysSoOnce_KeepsRunning_AndExitsCleanly()
    {
        using var disk = new SmallTmpfs();
        Write("Procfile", "w: i=0; while [ $i -lt 3000 ]; do echo \"line $i of a process that fills the disk\"; i=$((i+1)); done; echo done; exec sleep 100\n");
        var run = RunWith(PrivateEnvironment, "start", "--log-dir", disk.Directory);
        await run.UntilStdout(l => l.EndsWith("| done"), "the last line on stdout after the disk filled");

        run.Signal("TERM");

        Assert.Equal(0, await run.ExitCode());
        var path = Path.Combine(disk.Directory, "w.1.log");
        // Each file that cannot be written is named once. The manager's own system.log may be refused too: whether
        // its first block was taken before w.1 filled the disk depends on when its lines were flushed.
        Assert.Single(run.Stderr, l => l.StartsWith($"formation: cannot write {path}: No space left on device"));
        Assert.All(run.Stderr, l => Assert.Matches(@"^formation: cannot write \S+: No space left on device", l));
        Assert.Equal(run.Stderr.Count, run.Stderr.Distinct().Count());
        Assert.Equal(3000, run.Stdout.Count(l => l.Contains(" of a process that fills the disk")));
    }

    [Fact]
    public async Task Start_LinkPlantedAsALogFile_IsRefusedBeforeAnythingStarts()
    {
        var logs = Directory.CreateDirectory(Path.Combine(Dir, "logs")).FullName;
        var victim = Write("victim.txt", "theirs\n");
        File.CreateSymbolicLink(Path.Combine(logs, "web.1.log"), victim);
        Write("Procfile", "web: echo secret output; exec sleep 100\n");

        var run = RunWith(PrivateEnvironment, "start", "--log-dir", logs);

        Assert.Equal(1, await run.ExitCode());
        Assert.Contains($"formation: Cannot write the log file {logs}/web.1.log: it is a symbolic link (to {victim}): not followed.", string.Join("\n", run.Stderr));
        Assert.Equal("theirs\n", File.ReadAllText(victim));
        Assert.DoesNotContain(run.Stdout, l => l.Contains("started with pid"));
    }
}
