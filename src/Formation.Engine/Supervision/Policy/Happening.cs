using Formation.Engine.Os;

namespace Formation.Engine.Supervision;

/// <summary>
/// Something that happened, as the policy sees it (the facts are already recorded in the state). The same
/// five words name the loop's reports (<see cref="Report"/>), which carry what the edges know besides.
/// </summary>
internal abstract record Happening
{
    /// <summary>The leader of a run ended without being asked to stop, or while a stop was under way.</summary>
    public sealed record Ended(IProcessView Process, WaitStatus Status, TimeSpan RunTime) : Happening;

    /// <summary>
    /// A spawn failed (command not found, directory missing, …): the instance is Failed; <paramref name="ExitCode"/>
    /// is what a shell would have exited with (127 not found, 126 not executable).
    /// </summary>
    public sealed record CouldNotStart(IProcessView Process, string Reason, int ExitCode) : Happening;

    /// <summary>The probe did not pass within ready_timeout.</summary>
    public sealed record ReadyTimedOut(IProcessView Process) : Happening;

    /// <summary>The backoff of a scheduled restart has passed.</summary>
    public sealed record RestartDue(IProcessView Process) : Happening;

    /// <summary>A signalled group is still alive at its stop timeout, or a kill was asked for.</summary>
    public sealed record StopDeadline(string Name, int Pgid, int Signal, TimeSpan Timeout, bool KillRequested) : Happening;
}
