using System.Management.Automation;

namespace Formation.PowerShell.Commands;

/// <summary>
/// Gets the formations started in this session, running or ended, and the user's formations that run in
/// other processes (a `formation start` in another shell, another pwsh): Owner says which.
/// </summary>
[Cmdlet(VerbsCommon.Get, "Formation")]
[OutputType(typeof(Formation))]
public sealed class GetFormationCommand : FormationCmdlet
{
    /// <summary>Names of the formations; wildcards are allowed. Default: all.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(FormationNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>Only the formations started in this session.</summary>
    [Parameter]
    public SwitchParameter Local { get; set; }

    protected override void ProcessRecord()
    {
        var found = Local ? MatchNames(Session.Formations, f => f.Name, Name, "formation") : FindFormations(Name, everywhere: true);
        WriteObject(found.ToArray(), enumerateCollection: true);
    }
}
