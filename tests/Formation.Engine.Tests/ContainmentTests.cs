using Formation.Engine.Configuration;
using Formation.Engine.Os;
using Formation.Engine.Supervision;
using Formation.Engine.Tests.Support;

namespace Formation.Engine.Tests;

/// <summary>
/// What must not escape a formation, in a host that is not a subreaper (as PowerShell is): daemon
/// trees (issue 11.3), groups the watchdog would forget (11.1), the manager's last descriptors (11.4).
/// </summary>
public class ContainmentTests : ProcessTest
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

    [Fact]
    public async Task Watchdog_NeverForgetsAGroupThatIsStillAlive()
    {
        var f = Create(Options("web: echo up; exec sleep 100\n"));
        var events = new Events(f);
        f.Start();
        await events.UntilLine("web.1", "up");
        var pgid = f.GetProcess("web.1")!.ProcessId!.Value;
        Assert.Contains(pgid, Watchdog.Recorded);

        Watchdog.Remove(pgid);
        Assert.Contains(pgid, Watchdog.Recorded);

        await f.StopAsync().WaitAsync(Patience);
        Watchdog.Remove(pgid);
        Assert.DoesNotContain(pgid, Watchdog.Recorded);
    }

    [Fact]
    public async Task Watchdog_KnowsTheFormationsMarker_UntilTheFormationHasEnded()
    {
        var f = Create(Options("web: echo up; exec sleep 100\n"));
        var events = new Events(f);
        f.Start();
        await events.UntilLine("web.1", "up");
        Assert.Contains(f.Plan.Marker, Watchdog.RecordedMarkers);

        await f.StopAsync().WaitAsync(Patience);

        Assert.DoesNotContain(f.Plan.Marker, Watchdog.RecordedMarkers);
    }

    [Fact]
    public void FormationWhoseInstancesCannotAllGetPipes_IsRefusedBeforeSpawning()
    {
        var limit = FileDescriptors.Limit();
        Assert.NotNull(limit);
        var instances = (int)Math.Min(limit.Value.Soft / 2 + 1, FormationPlan.MaxInstances);
        if (instances * 2 < limit.Value.Soft) return; // a limit above 20,000 descriptors: no count can exceed it
        var f = Create(Options("w: sleep 100\n") with { Scale = ScaleSpec.Parse($"w={instances}"), Port = 20000 });

        var ex = Assert.Throws<DescriptorLimitException>(f.Start);

        Assert.StartsWith($"{instances} instances need", ex.Message);
        Assert.Contains("Raise the limit with ulimit -n", ex.Message);
        Assert.Empty(LeakScanner.Find(Token));
    }

    [Fact]
    public void CheckRoom_SaysHowManyFitAndWhatToDo_AtAStartAndAtAScale()
    {
        var start = FileDescriptors.CheckRoom(int.MaxValue / 4, starting: true);
        Assert.NotNull(start);
        Assert.Matches(@"^\d+ instances need \d+ file descriptors \(2 each, for their output pipes\), but the limit of \d+ leaves room for \d+ " +
                       @"\(\d+ open, 128 kept for Formation itself\): at most \d+ fit\. Raise the limit with ulimit -n in the shell that starts the formation", start);
        var scale = FileDescriptors.CheckRoom(int.MaxValue / 4, starting: false);
        Assert.Matches(@"^\d+ more instances need .*\(\d+ open, 80 kept for Formation itself\): at most \d+ more fit\.", scale);
        Assert.Null(FileDescriptors.CheckRoom(1, starting: true));
        Assert.Null(FileDescriptors.CheckRoom(0, starting: false));
    }
}
