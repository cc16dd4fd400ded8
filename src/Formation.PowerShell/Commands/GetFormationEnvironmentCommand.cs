using System.Management.Automation;
using Formation.Engine.Configuration;
using Formation.Engine.Supervision;

namespace Formation.PowerShell.Commands;

/// <summary>
/// Gets the environment of a process (or the one every process shares): each variable with its value and
/// where it came from. Values of names like *SECRET*, *TOKEN*, *PASSWORD*, *KEY* are masked unless -ShowSecrets.
/// </summary>
[Cmdlet(VerbsCommon.Get, "FormationEnvironment")]
[OutputType(typeof(EnvironmentVariable))]
public sealed class GetFormationEnvironmentCommand : FormationCmdlet
{
    /// <summary>The process (<c>web.1</c>), with PORT and the identity variables; omit it for the shared environment.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ProcessNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    /// <summary>The formation: a name or a Formation object. Default: the only formation running.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [FormationTransformation]
    [ArgumentCompleter(typeof(FormationNameCompleter))]
    public ProcessFormation? Formation { get; set; }

    /// <summary>Show the values of secret-looking names instead of masking them.</summary>
    [Parameter]
    public SwitchParameter ShowSecrets { get; set; }

    protected override void ProcessRecord()
    {
        var formation = Formation ?? SingleFormation();
        try
        {
            WriteObject(formation.GetEnvironment(Name, ShowSecrets), enumerateCollection: true);
        }
        catch (FormationException)
        {
            WriteError(NotFound(Name!, "process", formation.GetProcesses().Select(p => p.Name)));
        }
    }
}
