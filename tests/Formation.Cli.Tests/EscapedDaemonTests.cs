using Formation.Engine.Tests.Support;

namespace Formation.Cli.Tests;

/// <summary>A daemon that leaves its process group (setsid) is still stopped, and named.</summary>
public class EscapedDaemonTests : CliTest
{
    [Fact]
    public async Task DaemonThatCalledSetsid_IsStoppedWhenTheFormationStops()
    {
        // "forked" is said once the daemon has left the group (it made the file after setsid): said earlier, a fast
        // stop (the native binary) could signal the group while the daemon was still in it.
        Write("Procfile", "daemon: setsid sh -c 'touch escaped; exec sleep 1000' & while [ ! -e escaped ]; do sleep 0.05; done; echo forked; exec sleep 1000\n");
        var run = Run("start");
        await run.UntilStdout(l => l.EndsWith("| forked"), "the daemon to fork");

        run.Signal("TERM");

        Assert.Equal(0, await run.ExitCode());
        Assert.Contains(run.Stdout, l => l.Contains(" system   | stopped ") && l.Contains(" (pid ") && l.EndsWith("): it had left its process group"));
        Assert.Empty(LeakScanner.Find(Token));
    }
}
