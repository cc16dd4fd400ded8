using Formation.Engine.Tests.Support;

namespace Formation.PowerShell.Tests;

/// <summary>
/// The hosted module sees only what the tests start: a formation of the user's own (a `formation start` in
/// the user's control directory) is neither listed nor stopped by the cmdlets the tests run
/// (Support/PrivateControlDirectory.cs). build.ps1 starts one before every suite and names it in
/// FORMATION_FOREIGN_FORMATION; that one is checked too.
/// </summary>
[Collection(HostedCollection.Name)]
public sealed class IsolationTests : ModuleHost
{
    [Fact]
    public void GetStopRemoveFormation_AFormationInTheUsersDirectory_NeitherListNorStopIt()
    {
        using var foreign = ForeignFormation.Start(Procfile("sleeper: exec sleep 300\n"), Token);
        var names = new List<string> { foreign.Name };
        if (System.Environment.GetEnvironmentVariable("FORMATION_FOREIGN_FORMATION") is { Length: > 0 } harness) names.Add(harness);
        Runspace.SessionStateProxy.SetVariable("names", names.ToArray());
        var before = LeakScanner.Find(Token);

        var r = Invoke("""
            $env:XDG_RUNTIME_DIR
            @(Get-Formation | Where-Object Name -In $names).Count
            @(Get-Formation -Name 'foreign-*').Count
            foreach ($n in $names) { Get-Formation -Name $n; Stop-Formation -Name $n; Remove-Formation -Name $n -Confirm:$false }
            """);

        Assert.Equal([PrivateControlDirectory.Path, "0", "0"], r.Output.Select(o => o.ToString()));
        Assert.Equal(names.Count * 3, r.Errors.Count);
        Assert.All(r.Errors, e => Assert.StartsWith("FormationNotFound,", e.FullyQualifiedErrorId));
        Assert.False(foreign.HasExited);
        Assert.NotEmpty(before);
        Assert.Equal(before, LeakScanner.Find(Token));
    }
}
