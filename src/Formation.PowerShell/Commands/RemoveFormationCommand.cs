using System.Management.Automation;
using Formation.Engine;

namespace Formation.PowerShell.Commands;

/// <summary>Stops a formation if it runs and removes it from the session.</summary>
[Cmdlet(VerbsCommon.Remove, "Formation", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
[OutputType(typeof(Formation))]
public sealed class RemoveFormationCommand : WholeFormationCmdlet
{
    /// <summary>Write the removed formation (stopped).</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var formation in Selected())
        {
            if (!ShouldProcess(formation.Name, "Remove")) continue;
            WriteVerbose($"Removing formation '{formation.Name}' (stopping its processes first).");
            // A formation of another process is stopped (it leaves the user's list when it has ended).
            try
            {
                if (formation.Local is { } local) Await(Registry.RemoveAsync(local), [local], () => StopFormationCommand.StopProgress(local));
                else Await(formation.Access.StopAsync(null));
            }
            catch (FormationException ex)
            {
                WriteError(OperationError(ex, "FormationStopFailed", formation));
                continue;
            }
            if (PassThru) WriteObject(formation);
        }
    }
}
