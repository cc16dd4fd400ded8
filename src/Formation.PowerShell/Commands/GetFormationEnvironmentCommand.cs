using System.Management.Automation;
using Formation.Engine;

namespace Formation.PowerShell.Commands;

/// <summary>
/// Gets the environment of a process (or the one every process shares): each variable with its value and
/// where it came from. Values of names like *SECRET*, *TOKEN*, *PASSWORD*, *KEY* are masked unless -ShowSecrets.
/// </summary>
[Cmdlet(VerbsCommon.Get, "FormationEnvironment")]
[OutputType(typeof(FormationEnvironmentVariable))]
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
    public Formation? Formation { get; set; }

    /// <summary>Show the values of secret-looking names instead of masking them.</summary>
    [Parameter]
    public SwitchParameter ShowSecrets { get; set; }

    protected override void ProcessRecord()
    {
        var formation = Formation ?? SingleFormation();
        var names = formation.Access.Processes().Select(p => p.Name).ToList();
        if (Name is not null && !names.Contains(Name, StringComparer.Ordinal))
        {
            WriteError(NotFound(Name, "process", names));
            return;
        }
        try
        {
            var variables = formation.Access.Environment(Name, ShowSecrets).Select(v => Objects.From(v, formation.Name)).ToArray();
            WriteObject(variables, enumerateCollection: true);
        }
        catch (FormationException ex)
        {
            WriteError(OperationError(ex, "FormationEnvironmentUnavailable", Name));
        }
    }
}
