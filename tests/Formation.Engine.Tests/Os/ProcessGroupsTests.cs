using System.Diagnostics;
using Formation.Engine.Os;
using Formation.Engine.Tests.Support;

namespace Formation.Engine.Tests.Os;

/// <summary>This process's children, as the escape scan reads them before it reads the whole of /proc.</summary>
public class ProcessGroupsTests : ProcessTest, IAsyncLifetime
{
    [Fact]
    public async Task ChildPids_ARunningChild_IsListedUntilReaped()
    {
        var psi = new ProcessStartInfo("sleep", "100") { UseShellExecute = false };
        psi.Environment[LeakScanner.TokenVariable] = Token;
        using var child = Process.Start(psi)!;

        Assert.Contains(child.Id, ProcessGroups.ChildPids()!);

        child.Kill();
        await child.WaitForExitAsync().WaitAsync(Patience);
        Assert.DoesNotContain(child.Id, ProcessGroups.ChildPids()!);
    }

    Task IAsyncLifetime.InitializeAsync() => InitializeAsync();

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync();
}
