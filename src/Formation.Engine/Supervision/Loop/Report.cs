using Formation.Engine.Os;

namespace Formation.Engine.Supervision;

/// <summary>
/// What the edges (<see cref="ISupervisorEdges"/>) and the timers tell the loop. The events the policy
/// decides on carry the same names as its <see cref="Happening"/>s; a report also carries what the loop
/// checks it against (the run or the spawn generation it is about), so a report about a run that is no
/// longer current changes nothing.
/// </summary>
internal abstract record Report
{
    /// <summary>A spawn asked for with <paramref name="Generation"/> succeeded.</summary>
    public sealed record Spawned(ManagedProcess Process, int Generation, ProcessRun Run) : Report;

    /// <summary>A spawn asked for with <paramref name="Generation"/> failed; <paramref name="ExitCode"/> is 127 or 126.</summary>
    public sealed record CouldNotStart(ManagedProcess Process, int Generation, string Reason, int ExitCode) : Report;

    /// <summary>A run's leader ended; its output has been read; the group members it left, unless it was being stopped.</summary>
    public sealed record Ended(ManagedProcess Process, ProcessRun Run, WaitStatus Status, List<(int Pid, string Name)> Leftovers) : Report;

    /// <summary>The run's readiness probe passed.</summary>
    public sealed record BecameReady(ManagedProcess Process, ProcessRun Run) : Report;

    /// <summary>The run's probe did not pass within ready_timeout.</summary>
    public sealed record ReadyTimedOut(ManagedProcess Process, ProcessRun Run) : Report;

    /// <summary>The backoff of the restart scheduled with <paramref name="Generation"/> has passed.</summary>
    public sealed record RestartDue(ManagedProcess Process, int Generation) : Report;

    /// <summary>A signalled group is still alive at its stop timeout (or a kill was asked for).</summary>
    public sealed record StopDeadline(GroupStop Stop, bool KillRequested) : Report;

    /// <summary>A stopped group has no live member left.</summary>
    public sealed record GroupGone(GroupStop Stop) : Report;

    /// <summary>The processes that had left their groups, stopped after everything else.</summary>
    public sealed record EscapesStopped(IReadOnlyList<(int Pid, string Name)> Escapes) : Report;

    /// <summary>A line of the manager's own from an edge (a probe's notice).</summary>
    public sealed record Notice(string Line) : Report;
}
