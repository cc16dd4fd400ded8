namespace Formation.Engine.Supervision;

/// <summary>How a formation ended, in one word.</summary>
public enum FormationEnd
{
    /// <summary>It ended by itself and nothing failed.</summary>
    Completed,

    /// <summary>It was stopped on request (or interrupted) and nothing failed.</summary>
    Stopped,

    /// <summary>Something failed: a task, a readiness probe, a spawn, a process that crashed too often or ended under exit-on-error.</summary>
    Failed,
}

/// <summary>Why a formation ended as it did. Each cause has one CLI exit code and one PowerShell error id (the README's table).</summary>
public enum OutcomeCause
{
    /// <summary>Completed: every process ended by itself, each with code 0.</summary>
    AllExited,

    /// <summary>Stopped: Stop-Formation, <c>formation stop</c>, the end of the host, or disposal.</summary>
    StopRequested,

    /// <summary>Stopped: Ctrl+C, or SIGINT, SIGTERM or SIGHUP to the host.</summary>
    Interrupted,

    /// <summary>Failed: every process ended by itself and at least one crashed (not restarted).</summary>
    ProcessCrashed,

    /// <summary>Failed: a process crashed too often and is no longer restarted.</summary>
    GaveUp,

    /// <summary>Failed: a process could not start (command not found, not executable, working directory missing).</summary>
    CouldNotStart,

    /// <summary>Failed: a task (formation.yml <c>task: true</c>) exited non-zero.</summary>
    TaskFailed,

    /// <summary>Failed: a process was not ready within its ready_timeout.</summary>
    NotReady,

    /// <summary>Failed: a type others wait for (<c>after</c>) ended for good, so they can never start.</summary>
    DependencyEnded,

    /// <summary>A process ended and was not restarted, with exit-on-error on (Completed when its code was 0).</summary>
    ExitedUnderExitOnError,
}

/// <summary>One instance that ended Failed during the run (it could not start, or gave up restarting).</summary>
/// <param name="Process">The instance (<c>web.1</c>).</param>
/// <param name="Cause"><see cref="OutcomeCause.CouldNotStart"/> or <see cref="OutcomeCause.GaveUp"/>.</param>
/// <param name="Message">One line: <c>web.1 could not start: command not found: 'rials' (…)</c>.</param>
public sealed record ProcessFailure(string Process, OutcomeCause Cause, string Message);

/// <summary>
/// How a formation ended, decided once by the engine. Every host renders this value and nothing else: the
/// CLI exits with <see cref="ExitCode"/> and prints <see cref="Describe"/>, the module makes an ErrorRecord of
/// it (its id from <see cref="Cause"/>), and the control endpoint sends it to remote waiters.
/// </summary>
public sealed record FormationOutcome
{
    /// <summary>The exit code when a process gave up restarting, or every process ended and one crashed.</summary>
    public const int ProcessFailedExitCode = 3;

    /// <summary>The exit code when a process was not ready within its ready_timeout.</summary>
    public const int NotReadyExitCode = 4;

    /// <summary>The exit code when a process could not start.</summary>
    public const int CouldNotStartExitCode = 5;

    /// <summary>The formation's name.</summary>
    public required string Formation { get; init; }

    public required FormationEnd End { get; init; }
    public required OutcomeCause Cause { get; init; }

    /// <summary>The instance the outcome is about (<c>web.1</c>), when one is.</summary>
    public string? Process { get; init; }

    /// <summary>The process's exit code, when it exited.</summary>
    public int? ProcessExitCode { get; init; }

    /// <summary>The signal that ended the process (<c>SIGKILL</c>), when one did.</summary>
    public string? Signal { get; init; }

    /// <summary>The process's last output lines (at most 10), oldest first.</summary>
    public IReadOnlyList<string> LastOutput { get; init; } = [];

    /// <summary>One line that says what happened, the same in every host: <c>web.1 not ready within 2 s (output /up/)</c>.</summary>
    public required string Message { get; init; }

    /// <summary>The exit code of <c>formation start</c> for this outcome (the README's table).</summary>
    public required int ExitCode { get; init; }

    /// <summary>Every instance that ended Failed during the run, in the order they failed.</summary>
    public IReadOnlyList<ProcessFailure> Failures { get; init; } = [];

    /// <summary>When it ended.</summary>
    public DateTimeOffset? EndTime { get; init; }

    public bool Failed => End == FormationEnd.Failed;

    /// <summary>The message and, when there are any, the process's last output lines, indented below it.</summary>
    public string Describe() => LastOutput.Count == 0 || Process is null
        ? Message
        : $"{Message}\nLast output of {Process}:\n" + string.Join("\n", LastOutput.Select(l => "  " + l));

    public override string ToString() => $"{Formation}: {End} ({Cause}): {Message}";

    internal static FormationOutcome Stopped(string formation, bool interrupted, string? how) => new()
    {
        Formation = formation,
        End = FormationEnd.Stopped,
        Cause = interrupted ? OutcomeCause.Interrupted : OutcomeCause.StopRequested,
        Message = how ?? (interrupted ? "Interrupted." : "Stopped on request."),
        ExitCode = 0,
    };
}
