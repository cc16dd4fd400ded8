using System.Management.Automation;
using Formation.Engine.Configuration;
using Formation.Engine.Supervision;

namespace Formation.PowerShell;

/// <summary>
/// The base of every Formation cmdlet: a token that <see cref="StopProcessing"/> cancels and every wait
/// takes, and path resolution through PowerShell's provider. Its other parts: <c>FormationCmdlet.Waits.cs</c>
/// (waits with progress, Ctrl+C) and <c>FormationCmdlet.Names.cs</c> (which formations and processes a
/// command names). Members that name engine types are <c>private protected</c>, so the module's public
/// surface names only .NET, PowerShell and the module's own types (PowerShell reflects over it before any
/// module code runs).
/// </summary>
public abstract partial class FormationCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _cancel = new();

    private protected CancellationToken CancelToken => _cancel.Token;

    private protected static FormationRegistry Registry => Session.Registry;

    protected override void StopProcessing() => _cancel.Cancel();

    public void Dispose()
    {
        _cancel.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>A path relative to PowerShell's current location (<c>$PWD</c>), not the process's directory.</summary>
    private protected string ResolvePath(string path) => SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);

    /// <summary>Writes one error per configuration problem, as Test-Procfile does.</summary>
    private protected void WriteConfigErrors(FormationConfigException ex, FormationOptions options)
    {
        foreach (var record in Errors.Config(ex, options)) WriteError(record);
    }

    /// <summary>The Procfile's types, to judge -Scale by; null when it cannot be read (the plan then reports that first).</summary>
    private protected static string[]? ProcfileTypes(string procfile) => global::Formation.Engine.Configuration.Procfile.TryReadTypeNames(procfile);
}
