using Formation.Engine.Tests.Support;

namespace Formation.Cli.Tests;

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
