using System.Diagnostics;
using Formation.Engine.Os;
using Formation.Engine.Tests.Support;

namespace Formation.Engine.Tests.Os;

/// <summary>What Remove-Formation checks after a stop: the live processes of a formation's groups and those with its marker.</summary>
public class LeftoversTests : ProcessTest, IAsyncLifetime
{
    private readonly List<Process> _started = [];

    [Fact]
    public async Task Find_GroupsAndMarker_FindsTheirLiveProcessesAndNothingElse()
    {
        var marker = Guid.NewGuid().ToString("N");
        var (leader, member) = await StartGroupAsync();
        var marked = StartSleep(marker);
        var other = StartSleep(Guid.NewGuid().ToString("N"));

        var found = Leftovers.Find([leader], marker);

        Assert.Equal(new[] { leader, member, marked.Id }.Order(), found.Select(p => p.Pid).Order());
        Assert.All(found.Where(p => p.Pid != marked.Id), p => Assert.Equal(leader, p.Pgid));
        Assert.Contains(found, p => p.Pid == marked.Id && p.Name == "sleep");
        Assert.DoesNotContain(found, p => p.Pid == other.Id);
    }

    [Fact]
    public async Task KillAsync_WhatIsLeft_KillsItAndReportsIt_LeavesOthersRunning()
    {
        var marker = Guid.NewGuid().ToString("N");
        var (leader, member) = await StartGroupAsync();
        var marked = StartSleep(marker);
        var other = StartSleep(Guid.NewGuid().ToString("N"));

        var (killed, survivors) = await Leftovers.KillAsync([leader], marker, Patience, CancellationToken.None);

        Assert.Empty(survivors);
        Assert.Equal(new[] { leader, member, marked.Id }.Order(), killed.Select(p => p.Pid).Order());
        Assert.Empty(Leftovers.Find([leader], marker));
        Assert.False(other.HasExited);
    }

    [Fact]
    public async Task KillAsync_NothingLeft_ReturnsAtOnceWithNothing()
    {
        var (killed, survivors) = await Leftovers.KillAsync([int.MaxValue], Guid.NewGuid().ToString("N"), Patience, CancellationToken.None);

        Assert.Empty(killed);
        Assert.Empty(survivors);
    }

    Task IAsyncLifetime.InitializeAsync() => InitializeAsync();

    async Task IAsyncLifetime.DisposeAsync()
    {
        foreach (var p in _started)
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync().WaitAsync(Patience);
            p.Dispose();
        }
        await DisposeAsync();
    }

    /// <summary>A process group of its own (setsid: the leader's pid is the group id) with a second member; returns once both run.</summary>
    private async Task<(int Leader, int Member)> StartGroupAsync()
    {
        var psi = Info("setsid", "sh", "-c", "sleep 100 & echo $!; wait");
        psi.RedirectStandardOutput = true;
        var p = Start(psi);
        var line = await p.StandardOutput.ReadLineAsync().WaitAsync(Patience);
        return (p.Id, int.Parse(line!, System.Globalization.CultureInfo.InvariantCulture));
    }

    private Process StartSleep(string marker)
    {
        var psi = Info("sleep", "100");
        psi.Environment[Escapes.MarkerVariable] = marker;
        return Start(psi);
    }

    private ProcessStartInfo Info(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program, args) { UseShellExecute = false };
        psi.Environment[LeakScanner.TokenVariable] = Token;
        return psi;
    }

    private Process Start(ProcessStartInfo psi)
    {
        var p = Process.Start(psi)!;
        _started.Add(p);
        return p;
    }
}
