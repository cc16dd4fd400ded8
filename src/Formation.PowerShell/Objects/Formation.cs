using System.Collections.ObjectModel;
using EngineFormation = Formation.Engine.Supervision.ProcessFormation;

namespace Formation.PowerShell;

/// <summary>
/// A formation of this user: one started in this session (Owner <c>Local</c>), or one running in another
/// process and reached through its control endpoint (Owner <c>pid N</c>). A live handle: its properties read
/// the formation as it is now, so <c>$f.State</c> after <c>Stop-Formation $f</c> says Stopped. Pipe it to
/// Get-FormationProcess, Stop-Formation, Wait-Formation, Set-FormationScale or Get-FormationLog.
/// </summary>
public sealed class Formation
{
    internal Formation(FormationAccess access)
    {
        Access = access;
    }

    /// <summary>What the cmdlets act on; internal so that the module's public surface names no engine type.</summary>
    internal FormationAccess Access { get; }

    /// <summary>The engine's formation when it runs in this session.</summary>
    internal EngineFormation? Local => Access.Local;

    public string Name => Access.Name;

    public FormationState State => Objects.StateOf(Access);

    /// <summary>The Procfile's full path.</summary>
    public string Procfile => Access.Procfile;

    /// <summary>The directory the processes run in.</summary>
    public string WorkingDirectory => Access.WorkingDirectory;

    /// <summary>The base port: PORT of the first type's first instance; each further type adds 100 (the same for a formation of another shell).</summary>
    public int? BasePort => Access.BasePort;

    /// <summary>Instances per type (the formation's scale).</summary>
    public ReadOnlyDictionary<string, int> Scale => new(Access.Scale.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal));

    public DateTimeOffset? StartTime => Access.StartTime;

    /// <summary>Time since the start, to the end once it has ended.</summary>
    public TimeSpan? Uptime => StartTime is { } start ? (EndTime ?? DateTimeOffset.Now) - start : null;

    /// <summary>When the formation ended, once it has (for a formation of this session).</summary>
    public DateTimeOffset? EndTime => Access.Outcome?.EndTime;

    /// <summary>Every process instance, as it is now.</summary>
    public FormationProcess[] Processes => Access.Processes().Select(Objects.From).ToArray();

    /// <summary>CPU time in seconds of every running process group of the formation, summed (as each process's CPU is); read now.</summary>
    public double CPU => Math.Round(Processes.Sum(p => p.CPU ?? 0), 2);

    /// <summary>Resident memory in bytes of every running process group of the formation, summed (as each process's Memory is); read now.</summary>
    public long Memory => Processes.Sum(p => p.Memory ?? 0);

    /// <summary>Once ended: the exit code `formation start` would exit with (0 when stopped or completed; see about_Formation).</summary>
    public int? ExitCode => Access.Outcome?.ExitCode;

    /// <summary>Once ended: why, as the engine decided it (for example CouldNotStart, NotReady, TaskFailed, StopRequested).</summary>
    public FormationEndCause? Cause => Access.Outcome is { } o ? Objects.CauseOf(o.Cause) : null;

    /// <summary>Once ended by a failure: what failed, in words, with the process's last output lines when it has them.</summary>
    public string? FailureReason => Access.Outcome is { Failed: true } o ? o.Describe() : null;

    /// <summary>The process the failure is about, when one is.</summary>
    public string? FailedProcess => Access.Outcome is { Failed: true } o ? o.Process : null;

    /// <summary>Where the formation runs: <c>Local</c> for one started in this session, else <c>pid N</c> of the process that runs it.</summary>
    public string Owner => Access.OwnerProcessId is { } pid ? $"pid {pid}" : "Local";

    public override string ToString() => Name;
}
