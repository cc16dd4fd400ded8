using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using Formation.Engine.Tests.Support;

namespace Formation.PowerShell.Tests;

/// <summary>
/// PowerShell 7.6 hosted in the test process (Microsoft.PowerShell.SDK), with the built module imported from
/// out/Formation the way a user imports it. Each test gets its own runspace and a token that every process it
/// starts carries, and fails if any of them is still running at the end.
/// </summary>
public abstract class ModuleHost : IDisposable
{
    protected ModuleHost()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("formation-host-").FullName;
        Token = $"formation-host-test-{Guid.NewGuid():N}";
        Runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
        Runspace.Open();
        Runspace.SessionStateProxy.Path.SetLocation(Directory);
        Runspace.SessionStateProxy.SetVariable("token", Token);
        Runspace.SessionStateProxy.SetVariable("dir", Directory);
        Runspace.SessionStateProxy.SetVariable("module", ManifestPath);
        Imported = Invoke("Import-Module $module -PassThru -ErrorAction Stop -WarningVariable +importWarnings");
    }

    /// <summary>out/Formation/Formation.psd1 of this checkout.</summary>
    public static string ManifestPath { get; } = Path.Combine(RepositoryRoot(AppContext.BaseDirectory), "out", "Formation", "Formation.psd1");

    protected Runspace Runspace { get; }
    protected string Directory { get; }
    protected string Token { get; }
    protected Result Imported { get; }

    /// <summary>What a script wrote: its output objects, its errors, and its warnings.</summary>
    public sealed record Result(Collection<PSObject> Output, IReadOnlyList<ErrorRecord> Errors, IReadOnlyList<WarningRecord> Warnings, bool HadErrors);

    /// <summary>Runs a script in this test's runspace. Bounded: a script still running after 60 s is stopped and the test fails.</summary>
    protected Result Invoke(string script)
    {
        using var ps = System.Management.Automation.PowerShell.Create();
        ps.Runspace = Runspace;
        ps.AddScript(script);
        var run = ps.BeginInvoke();
        if (!run.AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(60)))
        {
            ps.Stop();
            throw new TimeoutException($"still running after 60 s: {script}");
        }
        var output = ps.EndInvoke(run);
        return new Result(new Collection<PSObject>([.. output]), [.. ps.Streams.Error], [.. ps.Streams.Warning], ps.HadErrors);
    }

    /// <summary>Writes a Procfile (and files beside it) into a fresh folder; returns its path.</summary>
    protected string Procfile(string text, params (string Name, string Text)[] files)
    {
        var dir = System.IO.Directory.CreateDirectory(Path.Combine(Directory, $"app-{Guid.NewGuid():N}")).FullName;
        File.WriteAllText(Path.Combine(dir, "Procfile"), text);
        foreach (var (name, content) in files) File.WriteAllText(Path.Combine(dir, name), content);
        return Path.Combine(dir, "Procfile");
    }

    /// <summary>The -Environment every test formation gets, so the leak check can find its processes.</summary>
    protected string Env => $"@{{ {LeakScanner.TokenVariable} = '{Token}' }}";

    public void Dispose()
    {
        Invoke("Get-Formation -Local | Remove-Formation -Confirm:$false");
        Runspace.Dispose();
        var leaked = LeakScanner.WaitUntilGoneAsync(Token, TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
        System.IO.Directory.Delete(Directory, recursive: true);
        GC.SuppressFinalize(this);
        Assert.True(leaked.Count == 0, $"left running: {string.Join("; ", leaked)}");
    }

    private static string RepositoryRoot(string from)
    {
        for (var dir = new DirectoryInfo(from); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Formation.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"No Formation.sln above {from}.");
    }
}

/// <summary>
/// The hosted tests share one process-wide registry of formations (as runspaces of one pwsh do), and one of
/// them removes the module: they run one at a time.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HostedCollection
{
    public const string Name = "PowerShell host";
}
