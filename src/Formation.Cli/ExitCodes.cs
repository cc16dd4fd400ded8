namespace Formation.Cli;

/// <summary>The exit codes of <c>formation</c>; the README lists them.</summary>
internal static class ExitCodes
{
    /// <summary>Stopped on request (SIGINT, SIGTERM, SIGHUP), or every process exited 0; <c>check</c> found no error.</summary>
    public const int Success = 0;

    /// <summary>Invalid Procfile, formation.yml, .env file, formation or port, or a PORT in use; <c>check</c> found errors.</summary>
    public const int ConfigError = 1;

    /// <summary>Invalid command line.</summary>
    public const int Usage = 2;

    /// <summary>
    /// A process gave up restarting (Failed), even when the formation was then stopped with Ctrl+C; or every
    /// process ended by itself and at least one crashed.
    /// </summary>
    public const int ProcessFailed = Engine.Supervision.FormationOutcome.ProcessFailedExitCode;

    /// <summary>The start failed: a dependency was not ready within its ready_timeout (a failed task exits with its own code).</summary>
    public const int NotReady = Engine.Supervision.FormationOutcome.NotReadyExitCode;

    /// <summary>
    /// <c>start</c>: a process could never run (command not found, not executable, working directory missing),
    /// even when the formation was then stopped with Ctrl+C.
    /// </summary>
    public const int CouldNotStart = Engine.Supervision.FormationOutcome.CouldNotStartExitCode;

    /// <summary>ps, restart, stop, start-process, scale, logs: no running formation matched (none named so, or none at all).</summary>
    public const int NotRunning = 6;

    /// <summary>
    /// ps, restart, stop, start-process, scale, logs: the formation's owner did not answer within 5 s (it is
    /// stopped, SIGSTOP), or it ended without stopping the formation while the command ran (killed; `logs -f`).
    /// </summary>
    public const int OwnerLost = 7;

    /// <summary><c>run</c>: the command could not be started.</summary>
    public const int RunCouldNotStart = Engine.Os.CommandRunner.CouldNotStart;
}
