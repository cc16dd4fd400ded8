using System.Management.Automation;

namespace Formation.PowerShell.Commands;

/// <summary>
/// Restarts process instances with the same name and PORT. Rolling: each one is running (and ready, when
/// its type has a readiness probe) again before the next is restarted.
/// </summary>
[Cmdlet(VerbsLifecycle.Restart, "FormationProcess", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
[OutputType(typeof(FormationProcess))]
public sealed class RestartFormationProcessCommand : FormationProcessCmdlet
{
    /// <summary>Time between the stop signal and SIGKILL; default: the formation's stop timeout.</summary>
    [Parameter]
    public DurationArgument? Timeout { get; set; }

    protected override void ProcessRecord() =>
        ForEachTarget("Restart", (f, name) => Await(f.RestartProcessAsync(name, Timeout?.Value, CancelToken)));
}
