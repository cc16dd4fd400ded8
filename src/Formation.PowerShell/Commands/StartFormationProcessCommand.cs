using System.Management.Automation;

namespace Formation.PowerShell.Commands;

/// <summary>Starts process instances that are not running (exited, crashed, failed or stopped).</summary>
[Cmdlet(VerbsLifecycle.Start, "FormationProcess", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
[OutputType(typeof(FormationProcess))]
public sealed class StartFormationProcessCommand : FormationProcessCmdlet
{
    protected override void ProcessRecord() => ForEachTarget("Start", (f, name) => Await(f.StartProcessAsync(name, CancelToken)));
}
