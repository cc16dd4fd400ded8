using Formation.Engine.Configuration;
using Formation.Engine.Os;
using Formation.Engine.Supervision;
using Formation.Engine.Tests.Support;

namespace Formation.Engine.Tests.Os;

/// <summary>The manager keeps descriptors for itself (issue 11.4): a start or scale that cannot get every pipe is refused before anything spawns.</summary>
public class FileDescriptorsTests : ProcessTest
{
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
