using Formation.Engine.Configuration;
using Formation.Engine.Os;
using Formation.Engine.Supervision;
using Formation.Engine.Tests.Support;

namespace Formation.Engine.Tests.Os;

/// <summary>What leaves its process group (a daemon that called setsid) is found by the run's marker and stopped with the formation, in a host that is not a subreaper (as PowerShell is; issue 11.3).</summary>
public class EscapesTests : ProcessTest
{
    [Fact]
    public async Task Stop_DaemonTreeThatCalledSetsid_IsStoppedWhole_AndNamed()
    {
        var f = Create(Options("daemon: setsid sh -c 'sleep 600 & sleep 601' & sleep 0.2; echo detached\nweb: echo up; sleep 100\n")
            with { Restart = RestartPolicy.Never });
        var events = new Events(f);
        f.Start();
        await events.UntilState("daemon.1", ProcessState.Exited);
        await events.UntilLine("web.1", "up");
        // The session leader and both its children are outside every group the formation stops.
        Assert.Contains(LeakScanner.Find(Token), p => p.EndsWith(" sleep 600"));
        Assert.Contains(LeakScanner.Find(Token), p => p.EndsWith(" sleep 601"));

        await f.StopAsync().WaitAsync(Patience);

        Assert.Empty(LeakScanner.Find(Token));
        var stopped = events.SystemLines.Select(l => l.Line).Where(l => l.EndsWith("): it had left its process group")).ToList();
        Assert.Equal(3, stopped.Count);
        Assert.Equal(2, stopped.Count(l => l.StartsWith("stopped sleep (pid ")));
        Assert.Single(stopped, l => l.StartsWith("stopped sh (pid "));
    }
}
