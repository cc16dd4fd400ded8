namespace Formation.PowerShell;

/// <summary>
/// One process instance of a formation (<c>web.1</c>) as it was when the object was written: safe to hold,
/// filter and pipe to Restart-, Stop- and Start-FormationProcess.
/// </summary>
public sealed class FormationProcess
{
    internal FormationProcess() { }

    /// <summary>The formation's name.</summary>
    public string Formation { get; internal init; } = "";

    /// <summary>The instance name, <c>web.1</c>.</summary>
    public string Name { get; internal init; } = "";

    /// <summary>The process type, <c>web</c>.</summary>
    public string Type { get; internal init; } = "";

    /// <summary>The instance number within its type, from 1.</summary>
    public int Index { get; internal init; }

    /// <summary>The pid (also the process group id) while the instance runs; null once it has ended.</summary>
    public int? ProcessId { get; internal init; }

    /// <summary>The pid of the last run, also after it ended (for crash records).</summary>
    public int? LastProcessId { get; internal init; }

    public FormationProcessState State { get; internal init; }

    /// <summary>The exit code of the last run, once it ended with one.</summary>
    public int? ExitCode { get; internal init; }

    /// <summary>The signal that ended the last run (<c>SIGKILL</c>), when one did.</summary>
    public string? Signal { get; internal init; }

    public DateTimeOffset? StartTime { get; internal init; }

    /// <summary>When the last run ended, for an instance that is not running.</summary>
    public DateTimeOffset? ExitTime { get; internal init; }

    /// <summary>Time since start for a running instance; the length of the last run for an ended one.</summary>
    public TimeSpan? Uptime { get; internal init; }

    /// <summary>How many times the instance was started again (by policy or on request).</summary>
    public int Restarts { get; internal init; }

    /// <summary>PORT, or null for a type with <c>port: none</c>.</summary>
    public int? Port { get; internal init; }

    /// <summary>The Procfile command.</summary>
    public string Command { get; internal init; } = "";

    /// <summary>Ready for its dependents: probe passed, or running without a probe, or (a task) exited 0.</summary>
    public bool IsReady { get; internal init; }

    /// <summary>A one-shot task from formation.yml.</summary>
    public bool IsTask { get; internal init; }

    /// <summary>The last output lines (up to 20), kept for crash records.</summary>
    public string[] LastOutput { get; internal init; } = [];

    /// <summary>Why the instance Failed (or never started), in words.</summary>
    public string? FailureReason { get; internal init; }

    /// <summary>When the next automatic restart is due, if one is.</summary>
    public DateTimeOffset? NextRestart { get; internal init; }

    /// <summary>
    /// CPU time in seconds of the instance's whole process group (its live members and the children they reaped), as
    /// Get-Process's CPU is for one process; null when it does not run. Read from /proc when the object was taken.
    /// </summary>
    public double? CPU { get; internal init; }

    /// <summary>
    /// Resident memory in bytes of the instance's whole process group (its live members' resident sets summed, as
    /// Get-Process's WS is for one process); null when it does not run. <c>Sort-Object Memory -Descending</c> puts the largest first.
    /// </summary>
    public long? Memory { get; internal init; }

    /// <summary>When this object was taken.</summary>
    public DateTimeOffset SnapshotTime { get; internal init; }

    public override string ToString() => Name;
}
