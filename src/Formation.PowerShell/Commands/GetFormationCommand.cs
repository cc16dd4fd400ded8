using System.Management.Automation;

namespace Formation.PowerShell.Commands;

/// <summary>Gets the formations started in this session, running or ended.</summary>
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

    protected override void ProcessRecord() => WriteObject(FindFormations(Name).ToArray(), enumerateCollection: true);
}
