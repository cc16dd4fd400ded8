namespace Formation.Engine.Supervision;

/// <summary>A snapshot of one process instance: immutable, safe to hold and pipe.</summary>
public sealed record FormationProcess
{
    public required string Formation { get; init; }

    /// <summary><c>web.1</c>.</summary>
    public required string Name { get; init; }

    public required string Type { get; init; }
    public required int Index { get; init; }

    /// <summary>The pid (also the process group id) of the current or last run.</summary>
    public int? ProcessId { get; init; }

    public required ProcessState State { get; init; }

    /// <summary>Exit code of the last run, when it exited.</summary>
    public int? ExitCode { get; init; }

    /// <summary>Signal that ended the last run (<c>SIGKILL</c>), when one did.</summary>
    public string? Signal { get; init; }

    public DateTimeOffset? StartTime { get; init; }
    public DateTimeOffset? ExitTime { get; init; }

    /// <summary>How many times this instance was started again (by policy or on request).</summary>
    public int Restarts { get; init; }

    /// <summary>PORT, or null for a type with <c>port: none</c>.</summary>
    public required int? Port { get; init; }

    public required string Command { get; init; }

    /// <summary>Whether it counts as ready: probe passed, or running without a probe, or (a task) exited 0.</summary>
    public bool IsReady { get; init; }

    /// <summary>A one-shot task from formation.yml.</summary>
    public bool IsTask { get; init; }

    /// <summary>The last output lines (up to 20), kept for crash records.</summary>
    public IReadOnlyList<string> LastOutput { get; init; } = [];

    /// <summary>Why the instance is Failed, in words.</summary>
    public string? FailureReason { get; init; }

    /// <summary>When the next automatic restart is due, if one is.</summary>
    public DateTimeOffset? NextRestart { get; init; }

    /// <summary>
    /// CPU time in seconds of the instance's process group (its live members and the children they reaped), as
    /// Get-Process's CPU is for one process; null when it does not run. Read from /proc when the snapshot is taken.
    /// </summary>
    public double? CPU { get; init; }

    /// <summary>
    /// Resident memory in bytes of the instance's process group (the sum of its live members' resident sets, as
    /// Get-Process's WS is for one process); null when it does not run. Read from /proc when the snapshot is taken.
    /// </summary>
    public long? Memory { get; init; }

    /// <summary>When this snapshot was taken.</summary>
    public required DateTimeOffset SnapshotTime { get; init; }

    /// <summary>Time since start for a live process; length of the last run for an ended one.</summary>
    public TimeSpan? Uptime => StartTime is not { } start ? null : (ExitTime ?? SnapshotTime) - start;

    /// <summary>Whether a run of the instance may be alive, so its process id names its group (not a reused pid).</summary>
    internal bool Runs => State is ProcessState.Starting or ProcessState.Running or ProcessState.Ready or ProcessState.Stopping;

    public override string ToString() => $"{Name} {State}" + (ProcessId is { } pid ? $" pid {pid}" : "");
}
