using System.Management.Automation;
using Formation.Engine;
using Formation.Engine.Os;
using EngineProcess = Formation.Engine.Supervision.FormationProcess;

namespace Formation.PowerShell.Commands;

/// <summary>
/// Stops a formation, removes it from the session, and returns only once none of its processes is left: not
/// in the process groups of its instances, and nowhere with its FORMATION_ID (a daemon that left its group).
/// What outlived the stop is killed (a warning names it); what even SIGKILL did not end is the error
/// FormationProcessesLeft.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "Formation", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
[OutputType(typeof(Formation))]
public sealed class RemoveFormationCommand : WholeFormationCmdlet
{
    /// <summary>How long what outlived the stop has to end after SIGKILL.</summary>
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(5);

    /// <summary>Write the removed formation (stopped).</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var formation in Selected())
        {
            if (!ShouldProcess(formation.Name, "Remove")) continue;
            WriteVerbose($"Removing formation '{formation.Name}' (stopping its processes first).");
            IReadOnlyCollection<int> groups;
            string? marker;
            try
            {
                if (formation.Local is { } local)
                {
                    Await(local.StopAsync(), [local], () => StopFormationCommand.StopProgress(local));
                    (groups, marker) = (GroupsOf(local.GetProcesses()), local.Plan.Marker);
                    Await(Registry.RemoveAsync(local));
                }
                else
                {
                    // A formation of another process is stopped there (it leaves the user's list when it has ended).
                    // What it ran is read first: once stopped, its owner may be gone with its answers.
                    (groups, marker) = formation.Access.HasEnded ? ([], null) : RemoteIdentity(formation.Access);
                    Await(formation.Access.StopAsync(null));
                }
            }
            catch (FormationException ex)
            {
                WriteError(OperationError(ex, "FormationStopFailed", formation));
                continue;
            }
            if (!NothingLeft(formation, groups, marker)) continue;
            if (PassThru) WriteObject(formation);
        }
    }

    /// <summary>Kills what outlived the stop, waits until it is gone, and writes FormationProcessesLeft for what is not.</summary>
    private bool NothingLeft(Formation formation, IReadOnlyCollection<int> groups, string? marker)
    {
        var (killed, survivors) = Await(Leftovers.KillAsync(groups, marker, KillWait, CancelToken));
        if (killed.Count > 0) WriteWarning($"Formation '{formation.Name}': {killed.Count} process(es) outlived its stop and were killed: {string.Join(", ", killed)}.");
        if (survivors.Count == 0)
        {
            WriteVerbose($"Formation '{formation.Name}' is removed; none of its processes is left.");
            return true;
        }
        var message = $"Formation '{formation.Name}' was removed, but {survivors.Count} of its processes still run {KillWait.TotalSeconds:0} s after SIGKILL: " +
            $"{string.Join(", ", survivors)}. They may be stuck in the kernel (state D); check them with Get-Process -Id.";
        var error = new FormationProcessesLeftException(message, [.. survivors.Select(p => p.Pid)]);
        WriteError(new ErrorRecord(error, "FormationProcessesLeft", ErrorCategory.ResourceBusy, formation));
        return false;
    }

    /// <summary>The process groups (one per instance that ran: its pid) of the formation's current or last runs.</summary>
    private static int[] GroupsOf(IEnumerable<EngineProcess> processes) =>
        [.. processes.Where(p => p.ProcessId is not null).Select(p => p.ProcessId!.Value)];

    /// <summary>The groups and the marker of a formation that runs in another process, asked through its endpoint.</summary>
    private static (IReadOnlyCollection<int> Groups, string? Marker) RemoteIdentity(FormationAccess target)
    {
        var processes = target.Processes();
        string? marker = null;
        if (processes.FirstOrDefault() is { } first)
        {
            try
            {
                marker = target.Environment(first.Name, showSecrets: false).FirstOrDefault(v => v.Name == Escapes.MarkerVariable)?.Value;
            }
            catch (FormationException)
            {
                // It ended meanwhile: its groups are enough.
            }
        }
        return (GroupsOf(processes), marker);
    }
}
