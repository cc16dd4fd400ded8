using Formation.Engine.Configuration;
using Formation.Engine.Os;

namespace Formation.Engine.Supervision;

/// <summary>
/// The one place that decides what follows an exit, a spawn that could not start, a ready timeout, a due
/// restart and a stop deadline: <c>(state, happening, now) → decisions</c>; what the formation does next once
/// things have settled (<see cref="Settle"/>); whether it is ready or never will be (<see cref="Readiness"/>);
/// and how it ended (<see cref="Final"/>). Pure: it reads the views and returns decisions and outcomes; the
/// <see cref="Supervisor"/> carries them out.
/// </summary>
internal static class SupervisionPolicy
{
    /// <summary>The decisions that follow one happening.</summary>
    public static IReadOnlyList<Decision> Decide(IFormationView f, Happening happening, DateTimeOffset now) => happening switch
    {
        Happening.Ended e => AfterEnd(f, e.Process, e.Status, e.RunTime, now),
        Happening.CouldNotStart c => AfterCouldNotStart(f, c.Process, c.ExitCode),
        Happening.ReadyTimedOut r => AfterReadyTimeout(f, r.Process),
        Happening.RestartDue r => f.State == FormationState.Running && !r.Process.Removed && !r.Process.IsLive && !r.Process.StopRequested
            ? [new Decision.Spawn(r.Process)]
            : [],
        Happening.StopDeadline d => [new Decision.KillGroup(d.Pgid, d.KillRequested
            ? $"killing {d.Name} (pgid {d.Pgid})"
            : $"killing {d.Name} (pgid {d.Pgid}): still running {Duration.Format(d.Timeout)} after {Signals.Name(d.Signal)}")],
        _ => [],
    };

    /// <summary>
    /// What the formation does once a change has been carried out: start the pending types whose
    /// dependencies are all ready (one round; call again after carrying it out), or end the formation when
    /// nothing runs and nothing is to come.
    /// </summary>
    public static IReadOnlyList<Decision> Settle(IFormationView f)
    {
        if (f.State != FormationState.Running) return [];
        var starts = new List<Decision>();
        foreach (var type in f.PendingTypes)
        {
            var after = f.SettingsOf(type).After;
            if (!after.All(dep => DependencyReady(f, dep))) continue;
            var waiting = f.Processes.Any(p => p.Settings.Type.Name == type && !p.Removed && !p.IsLive && !p.StopRequested);
            starts.Add(new Decision.StartType(type, waiting && after.Count > 0 ? $"starting {type}: {string.Join(", ", after)} ready" : null));
        }
        if (starts.Count > 0) return starts;

        if (f.Processes.Any(p => p.IsLive || p.RestartPending || p.State is ProcessState.Starting or ProcessState.Stopping)) return [];
        if (f.Processes.Any(p => !p.Removed && f.PendingTypes.Contains(p.Settings.Type.Name))) return [];
        var crashed = f.Processes.FirstOrDefault(p => !p.Removed && p.State == ProcessState.Crashed);
        var line = f.Processes.Count == 0 ? "no processes to run" : "every process has ended";
        var outcome = PrincipalFailure(f)
            ?? (crashed is null
                ? new FormationOutcome { Formation = f.Name, End = FormationEnd.Completed, Cause = OutcomeCause.AllExited, Message = $"{Capitalised(line)}.", ExitCode = 0 }
                : Failure(f, crashed, OutcomeCause.ProcessCrashed, FormationOutcome.ProcessFailedExitCode, $"Every process has ended; {crashed.Name} {crashed.ExitStatus}."));
        return [new Decision.EndFormation(outcome, line)];
    }

    /// <summary>
    /// What a stop under way signals next. At once: every running instance. In reverse start order (formation.yml's
    /// <c>after</c>, unless ordered stop is off or a kill was asked for): the types that no type still up depends on,
    /// together; each of the others once everything that depends on it is gone. So the stop takes at most the sum of
    /// the stop timeouts along the longest <c>after</c> chain (each plus the wait for SIGKILL to take).
    /// </summary>
    public static IReadOnlyList<Decision> NextStops(IFormationView f)
    {
        if (f.State != FormationState.Stopping) return [];
        var waiting = f.Processes.Where(p => p.IsLive && !p.StopRequested).ToList();
        if (waiting.Count == 0) return [];
        var types = waiting.Select(p => p.Settings.Type.Name).Distinct().ToList();
        var now = f.StopInOrder
            ? types.Where(t => !f.Processes.Any(q => q.IsUp && q.Settings.After.Contains(t))).ToList()
            : types;
        if (now.Count == 0) return [];
        var signals = waiting.Where(p => now.Contains(p.Settings.Type.Name)).Select(p => p.Settings.StopSignal).Distinct().ToList();
        var signal = signals.Count == 1 ? Signals.Name(signals[0]) : "the stop signals";
        // A stop in steps names each step's types; a stop at once (no after, or not in order) says "all processes".
        var inSteps = f.StopInOrder && f.Processes.Any(p => p.Settings.After.Count > 0);
        var later = types.Except(now).Reverse().ToList();
        var line = !inSteps ? $"sending {signal} to all processes"
            : later.Count == 0 ? $"sending {signal} to {string.Join(", ", now)}"
            : $"sending {signal} to {string.Join(", ", now)} ({string.Join(", ", later)} after {(now.Count == 1 ? "it" : "them")}: reverse start order)";
        return [new Decision.StopTypes(now, line)];
    }

    /// <summary>
    /// Whether the formation is ready (every type started, every instance that counts ready): null while it
    /// may still become ready, <see cref="ReadinessVerdict.Ready"/>, or the failure that means it never will
    /// (an instance that could not start or gave up, a probe that did not pass in time).
    /// </summary>
    public static ReadinessVerdict? Readiness(IFormationView f)
    {
        if (f.Processes.FirstOrDefault(p => p.State == ProcessState.Failed && !p.Removed) is { } failed)
            return new(FailedInstance(f, failed));
        if (f.Processes.FirstOrDefault(p => p.NotReadyInTime && !p.Removed) is { } slow)
            return new(Failure(f, slow, OutcomeCause.NotReady, FormationOutcome.NotReadyExitCode, $"{slow.Name} not ready {ReadyLimit(slow.Settings)}."));
        if (f.PendingTypes.Count > 0 || !f.Processes.Where(CountsForReadiness).All(p => p.IsReady)) return null;
        return ReadinessVerdict.Ready;
    }

    /// <summary>
    /// How the formation ended, once everything is gone: the outcome that began the end, unless it was a stop or
    /// a completion and an instance ended Failed meanwhile (could not start outranks gave up, as exit code 5 outranks 3).
    /// </summary>
    public static FormationOutcome Final(IFormationView f, FormationOutcome ending, DateTimeOffset now)
    {
        var outcome = ending.Failed ? ending : PrincipalFailure(f) ?? ending;
        return outcome with { Failures = f.Failures.ToArray(), EndTime = now };
    }

    /// <summary><c>within 30 s (http /health)</c>: the part of every not-ready message that says what was waited for.</summary>
    public static string ReadyLimit(TypeSettings settings) => $"within {Duration.Format(settings.ReadyTimeout)} ({settings.Ready})";

    /// <summary>Instances stopped on request are left out: stopping one is a decision, not a failure to become ready.</summary>
    public static bool CountsForReadiness(IProcessView p) => !p.Removed && p.State != ProcessState.Stopped;

    /// <summary>The one line that says an instance could not start or gave up (the system line, the CLI's stderr, the outcome).</summary>
    public static string FailureMessage(IProcessView p) => p.ExitStatus is null
        ? $"{p.Name} could not start: {p.FailureReason}"
        : $"{p.Name} {p.FailureReason}";

    private static IReadOnlyList<Decision> AfterEnd(IFormationView f, IProcessView p, WaitStatus status, TimeSpan runTime, DateTimeOffset now)
    {
        if (p.StopRequested || f.State != FormationState.Running) return [];
        if (p.Settings.Task && !status.Success)
            return EndTheStart(f, p, OutcomeCause.TaskFailed, status.ShellCode, $"task {p.Name} {status}.") ?? [];

        var policy = p.Settings.Restart;
        if (policy == RestartPolicy.Never || (policy == RestartPolicy.OnFailure && status.Success))
        {
            // A dependency that is done for good can never be ready: the types waiting for it would wait forever.
            if (!p.Settings.Task && EndTheStart(f, p, OutcomeCause.DependencyEnded, status.Success ? FormationOutcome.NotReadyExitCode : status.ShellCode,
                    $"{p.Name} {status} and is not restarted, so the types after it cannot start.") is { } failStart)
                return failStart;
            return NotRestarted(f, p, status.ShellCode, $"{p.Name} {status} and is not restarted");
        }

        var (ends, delay) = RestartTracker.Next(p.Ends, p.Settings.RestartSettings, now, runTime);
        if (delay is { } d) return [new Decision.ScheduleRestart(p, d, ends)];
        var times = ends.Count == 1 ? "1 time" : $"{ends.Count} times";
        var reason = $"ended {times} within {Duration.Format(p.Settings.RestartSettings.Window)} (last {status}); not restarting it";
        return [new Decision.GiveUp(p, reason, ends),
            .. EndTheStart(f, p, OutcomeCause.GaveUp, FormationOutcome.ProcessFailedExitCode, $"{p.Name} {reason}.")
               ?? NotRestarted(f, p, status.ShellCode, $"{p.Name} {reason}")];
    }

    private static IReadOnlyList<Decision> AfterCouldNotStart(IFormationView f, IProcessView p, int exitCode)
    {
        if (f.State != FormationState.Running) return [];
        return EndTheStart(f, p, OutcomeCause.CouldNotStart, FormationOutcome.CouldNotStartExitCode, FailureMessage(p) + ".")
            ?? NotRestarted(f, p, exitCode, FailureMessage(p));
    }

    private static IReadOnlyList<Decision> AfterReadyTimeout(IFormationView f, IProcessView p) =>
        f.State != FormationState.Running
            ? []
            : EndTheStart(f, p, OutcomeCause.NotReady, FormationOutcome.NotReadyExitCode, $"{p.Name} not ready {ReadyLimit(p.Settings)}.") ?? [];

    /// <summary>
    /// A task that failed, or a dependency that failed or was not ready in time, fails the start: the
    /// formation stops with that outcome. Null when the end fails no start.
    /// </summary>
    private static IReadOnlyList<Decision>? EndTheStart(IFormationView f, IProcessView p, OutcomeCause cause, int exitCode, string message)
    {
        if (f.State != FormationState.Running || !(p.Settings.Task || BlocksAStart(f, p))) return null;
        return [new Decision.EndFormation(Failure(f, p, cause, exitCode, message), $"start failed: {message.TrimEnd('.')}; stopping the formation")];
    }

    /// <summary>An instance that ended for good stops the formation under exit-on-error (tasks excepted), with its code.</summary>
    private static IReadOnlyList<Decision> NotRestarted(IFormationView f, IProcessView p, int exitCode, string what) =>
        !f.ExitOnError || f.State != FormationState.Running || p.Settings.Task
            ? []
            : [new Decision.EndFormation(
                Failure(f, p, OutcomeCause.ExitedUnderExitOnError, exitCode, $"{what}; exit-on-error stops the formation.")
                    with { End = exitCode == 0 ? FormationEnd.Completed : FormationEnd.Failed },
                $"{p.Name} ended and is not restarted: stopping the formation (exit-on-error)")];

    /// <summary>The first instance that could not start, else the first that gave up; null when none ended Failed.</summary>
    private static FormationOutcome? PrincipalFailure(IFormationView f)
    {
        if (f.Failures.Count == 0) return null;
        var first = f.Failures.FirstOrDefault(x => x.Cause == OutcomeCause.CouldNotStart) ?? f.Failures[0];
        return f.Processes.FirstOrDefault(p => p.Name == first.Process) is { } p ? FailedInstance(f, p) : null;
    }

    /// <summary>The outcome of an instance that ended Failed: it could not start (5), or gave up restarting (3).</summary>
    private static FormationOutcome FailedInstance(IFormationView f, IProcessView p) => p.ExitStatus is null
        ? Failure(f, p, OutcomeCause.CouldNotStart, FormationOutcome.CouldNotStartExitCode, FailureMessage(p) + ".")
        : Failure(f, p, OutcomeCause.GaveUp, FormationOutcome.ProcessFailedExitCode, FailureMessage(p) + ".");

    private static FormationOutcome Failure(IFormationView f, IProcessView p, OutcomeCause cause, int exitCode, string message) => new()
    {
        Formation = f.Name,
        End = FormationEnd.Failed,
        Cause = cause,
        Process = p.Name,
        ProcessExitCode = p.ExitStatus?.ExitCode,
        Signal = p.ExitStatus?.Signal is { } s ? Signals.Name(s) : null,
        LastOutput = p.LastOutput,
        Message = message,
        ExitCode = exitCode,
    };

    /// <summary>Whether some type that has not started yet waits for this process's type.</summary>
    private static bool BlocksAStart(IFormationView f, IProcessView p) =>
        f.PendingTypes.Any(t => f.SettingsOf(t).After.Contains(p.Settings.Type.Name));

    private static bool DependencyReady(IFormationView f, string type) =>
        !f.PendingTypes.Contains(type) && f.Processes.Where(p => p.Settings.Type.Name == type && CountsForReadiness(p)).All(p => p.IsReady);

    private static string Capitalised(string line) => char.ToUpperInvariant(line[0]) + line[1..];
}

/// <summary>The formation is ready (<see cref="Failure"/> null), or never will be, and why.</summary>
internal sealed record ReadinessVerdict(FormationOutcome? Failure)
{
    public static readonly ReadinessVerdict Ready = new((FormationOutcome?)null);
}
