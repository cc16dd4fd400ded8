using System.Management.Automation;
using Formation.Engine;
using Formation.Engine.Supervision;

namespace Formation.PowerShell.Commands;

/// <summary>Stops every process of a formation: the stop signal to each process group, SIGKILL after the timeout.</summary>
[Cmdlet(VerbsLifecycle.Stop, "Formation", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
[OutputType(typeof(Formation))]
public sealed class StopFormationCommand : WholeFormationCmdlet
{
    /// <summary>Time between the stop signal and SIGKILL; default: the formation's stop timeout.</summary>
    [Parameter]
    public DurationArgument? Timeout { get; set; }

    /// <summary>Write the stopped formation.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var formation in Selected())
        {
            if (!ShouldProcess(formation.Name, "Stop")) continue;
            WriteVerbose($"Stopping formation '{formation.Name}'.");
            try
            {
                if (formation.Local is { } local) Await(local.StopAsync(Timeout?.Value), [local], () => StopProgress(local));
                else Await(formation.Access.StopAsync(Timeout?.Value));
            }
            catch (FormationException ex)
            {
                WriteError(OperationError(ex, "FormationStopFailed", formation));
                continue;
            }
            WriteVerbose($"Formation '{formation.Name}' is {formation.State}.");
            if (PassThru) WriteObject(formation);
        }
    }

    internal static ProgressRecord StopProgress(ProcessFormation formation)
    {
        var processes = formation.GetProcesses();
        var live = processes.Where(p => p.State is ProcessState.Starting or ProcessState.Running or ProcessState.Ready or ProcessState.Stopping).Select(p => p.Name).ToList();
        return new ProgressRecord(2, $"Stopping formation '{formation.Name}'", $"{live.Count} of {processes.Count} processes still running")
        {
            PercentComplete = processes.Count == 0 ? 100 : 100 * (processes.Count - live.Count) / processes.Count,
            CurrentOperation = live.Count == 0 ? "" : $"waiting for {string.Join(", ", live.Take(5))}",
        };
    }
}
