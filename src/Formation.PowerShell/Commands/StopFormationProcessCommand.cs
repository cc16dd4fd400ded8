using System.Management.Automation;

namespace Formation.PowerShell.Commands;

/// <summary>Stops process instances (each one's whole process group); they are not restarted.</summary>
[Cmdlet(VerbsLifecycle.Stop, "FormationProcess", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
[OutputType(typeof(FormationProcess))]
public sealed class StopFormationProcessCommand : FormationProcessCmdlet
{
    /// <summary>Time between the stop signal and SIGKILL; default: the formation's stop timeout.</summary>
    [Parameter]
    public DurationArgument? Timeout { get; set; }

    protected override void ProcessRecord() =>
        ForEachTarget("Stop", (f, name) => Await(f.StopProcessAsync(name, Timeout?.Value, CancelToken)));
}
