using System.Management.Automation;
using Formation.Engine.Supervision;

namespace Formation.PowerShell.Commands;

/// <summary>Stops a formation if it runs and removes it from the session.</summary>
[Cmdlet(VerbsCommon.Remove, "Formation", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
[OutputType(typeof(ProcessFormation))]
public sealed class RemoveFormationCommand : FormationTargetCmdlet
{
    /// <summary>Write the removed formation (stopped).</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var formation in Targets())
        {
            if (!ShouldProcess(formation.Name, "Remove")) continue;
            Await(Engine.RemoveAsync(formation));
            if (PassThru) WriteObject(formation);
        }
    }
}
