namespace Formation.Engine.Supervision;

/// <summary>The life of one process instance.</summary>
public enum ProcessState
{
    /// <summary>Being spawned.</summary>
    Starting,

    /// <summary>Spawned and not yet ended (a type without a readiness probe is ready when running).</summary>
    Running,

    /// <summary>Its readiness probe passed (TCP, HTTP or an output line).</summary>
    Ready,

    /// <summary>Asked to stop; waiting for its process group to end.</summary>
    Stopping,

    /// <summary>Ended by itself with exit code 0.</summary>
    Exited,

    /// <summary>Ended by itself with a non-zero code or a signal.</summary>
    Crashed,

    /// <summary>Could not start, or crashed too often and is no longer restarted.</summary>
    Failed,

    /// <summary>Stopped on request.</summary>
    Stopped,
}

/// <summary>The life of a formation.</summary>
public enum FormationState
{
    Running,
    Stopping,

    /// <summary>Stopped on request.</summary>
    Stopped,

    /// <summary>Ended by itself: every process ended, or one ended under exit-on-error.</summary>
    Completed,
}

/// <summary>Why a formation ended.</summary>
public enum FormationEndReason
{
    /// <summary>Stopped on request (Ctrl+C, a signal, Stop-Formation, Dispose).</summary>
    Stopped,

    /// <summary>Every process ended and none is to be restarted.</summary>
    AllEnded,

    /// <summary>A process ended and was not restarted, with exit-on-error on.</summary>
    ExitOnError,

    /// <summary>The start failed: a task exited non-zero, or a dependency failed or was not ready in time.</summary>
    StartFailed,
}

/// <summary>How a formation ended.</summary>
/// <param name="Reason">Why it ended.</param>
/// <param name="ExitCode">
/// 0 when stopped on request or when every process exited 0; the process's code (128 + signal) for
/// exit-on-error; <see cref="ProcessFailedExitCode"/> when every process ended and one of them failed.
/// </param>
/// <param name="Process">The process whose end ended the formation, if one did.</param>
/// <param name="Message">What went wrong, with the process's last output lines, when the start failed.</param>
public sealed record FormationResult(FormationEndReason Reason, int ExitCode, string? Process, string? Message = null)
{
    /// <summary>The exit code of a formation whose processes all ended and at least one failed.</summary>
    public const int ProcessFailedExitCode = 3;

    /// <summary>The exit code when a dependency was not ready within its ready_timeout (or failed without a code).</summary>
    public const int NotReadyExitCode = 4;
}
