namespace Formation.PowerShell;

/// <summary>The life of a formation, as the module reports it.</summary>
public enum FormationState
{
    /// <summary>Its processes are running (or starting).</summary>
    Running,

    /// <summary>Asked to stop; waiting for its process groups to end.</summary>
    Stopping,

    /// <summary>Stopped on request (Stop-Formation, Ctrl+C, Remove-Formation).</summary>
    Stopped,

    /// <summary>Ended by itself and every process ended well.</summary>
    Completed,

    /// <summary>
    /// Ended by itself because something failed: a task exited non-zero, a dependency failed or was not ready
    /// in time, a process ended under -ExitOnError, or a process ended Failed. ExitCode and FailureReason say which.
    /// </summary>
    Failed,
}

/// <summary>The life of one process instance, as the module reports it.</summary>
public enum FormationProcessState
{
    /// <summary>Being spawned, or waiting for the types it starts after.</summary>
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

    /// <summary>Could not start, or crashed too often and is no longer restarted (FailureReason says why).</summary>
    Failed,

    /// <summary>Stopped on request.</summary>
    Stopped,

    /// <summary>Never ran: the formation stopped or failed before this instance was started.</summary>
    NotStarted,
}

/// <summary>What the supervisor does when a process ends without being asked to.</summary>
public enum FormationRestartPolicy
{
    /// <summary>Never restart; the instance stays Exited or Crashed.</summary>
    Never,

    /// <summary>Restart after a non-zero exit or a signal (the default).</summary>
    OnFailure,

    /// <summary>Restart after any exit, including exit code 0.</summary>
    Always,
}

/// <summary>Where a log record came from.</summary>
public enum FormationLogStream
{
    StdOut,
    StdErr,

    /// <summary>The manager's own events (started, exited, restarting, stopping).</summary>
    System,
}

/// <summary>Why a formation ended as it did (the engine decides it; about_Formation lists the error id and exit code of each).</summary>
public enum FormationEndCause
{
    /// <summary>Completed: every process ended by itself, each with code 0.</summary>
    AllExited,

    /// <summary>Stopped: Stop-Formation, Remove-Formation, `formation stop`, or the end of the session.</summary>
    StopRequested,

    /// <summary>Stopped: Ctrl+C, or SIGINT, SIGTERM or SIGHUP.</summary>
    Interrupted,

    /// <summary>Failed: every process ended by itself and at least one crashed.</summary>
    ProcessCrashed,

    /// <summary>Failed: a process crashed too often and is no longer restarted.</summary>
    GaveUp,

    /// <summary>Failed: a process could not start (command not found, not executable, working directory missing).</summary>
    CouldNotStart,

    /// <summary>Failed: a task exited non-zero.</summary>
    TaskFailed,

    /// <summary>Failed: a process was not ready within its ready_timeout.</summary>
    NotReady,

    /// <summary>Failed: a type others start after ended for good, so they can never start.</summary>
    DependencyEnded,

    /// <summary>A process ended and was not restarted under -ExitOnError (Failed unless its code was 0).</summary>
    ExitedUnderExitOnError,
}
