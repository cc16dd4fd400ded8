using System.Management.Automation;
using Formation.Engine.Supervision;

namespace Formation.PowerShell.Commands;

/// <summary>Stops every process of a formation: the stop signal to each process group, SIGKILL after the timeout.</summary>
[Cmdlet(VerbsLifecycle.Stop, "Formation", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
[OutputType(typeof(ProcessFormation))]
public sealed class StopFormationCommand : FormationTargetCmdlet
{
    /// <summary>Time between the stop signal and SIGKILL; default: the formation's stop timeout.</summary>
    [Parameter]
    public DurationArgument? Timeout { get; set; }

    /// <summary>Write the stopped formation.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var formation in Targets())
        {
            if (!ShouldProcess(formation.Name, "Stop")) continue;
            Await(formation.StopAsync(Timeout?.Value));
            if (PassThru) WriteObject(formation);
        }
    }
}
