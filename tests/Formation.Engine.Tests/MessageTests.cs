using Formation.Engine.Configuration;
using Formation.Engine.Tests.Support;

namespace Formation.Engine.Tests;

/// <summary>Messages that said the wrong thing (issue 11.11).</summary>
public class MessageTests : ProcessTest
{
    [Fact]
    public async Task UnknownProcess_AfterAScaleDown_ListsOnlyTheProcessesThatExist()
    {
        var f = Create(Options("worker: echo up; exec sleep 100\n") with { Scale = ScaleSpec.Parse("worker=2") });
        var events = new Events(f);
        f.Start();
        await events.UntilLine("worker.2", "up");
        await f.ScaleAsync("worker", 1).WaitAsync(Patience);

        var ex = await Assert.ThrowsAsync<FormationException>(() => f.StopProcessAsync("worker.2").WaitAsync(Patience));

        Assert.Equal($"No process named 'worker.2' in formation '{f.Name}'. Processes: worker.1.", ex.Message);
    }
}
