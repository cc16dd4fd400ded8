namespace Formation.Engine.Supervision;

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
