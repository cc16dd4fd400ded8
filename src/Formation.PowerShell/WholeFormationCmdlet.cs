using System.Management.Automation;

namespace Formation.PowerShell;

/// <summary>The base of cmdlets that act on whole formations, named (with wildcards) or piped in.</summary>
public abstract class WholeFormationCmdlet : FormationCmdlet
{
    protected const string NameSet = "Name";
    protected const string InputObjectSet = "InputObject";

    /// <summary>Names of the formations; wildcards are allowed.</summary>
    [Parameter(Position = 0, ParameterSetName = NameSet, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(FormationNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>Formation objects, from Start-Formation or Get-Formation.</summary>
    [Parameter(Mandatory = true, ParameterSetName = InputObjectSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public Formation[]? InputObject { get; set; }

    /// <summary>The formations this record names.</summary>
    private protected List<Formation> Selected() =>
        ParameterSetName == InputObjectSet ? [.. InputObject!] : FindFormations(Name);
}
