using Formation.Engine.Configuration;
using Formation.Engine.Os;

namespace Formation.Engine.Supervision;

/// <summary>
/// The one place that decides what follows an exit, a failed spawn, a ready timeout, a due restart and a
/// stop deadline: <c>(state, happening, now) → decisions</c>, and what the formation does next once things
/// have settled (<see cref="Settle"/>: start types whose dependencies are ready, end when nothing is left).
/// Pure: it reads the views and returns decisions; the <see cref="Supervisor"/> carries them out.
/// </summary>
internal static class SupervisionPolicy
{
    /// <summary>The decisions that follow one happening.</summary>
    public static IReadOnlyList<Decision> Decide(IFormationView f, Happening happening, DateTimeOffset now) => happening switch
    {
        Happening.Ended e => AfterEnd(f, e.Process, e.Status, e.RunTime, now),
        Happening.SpawnFailed s => AfterSpawnFailed(f, s.Process, s.Reason),
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
        var failed = f.Processes.Any(p => p.State is ProcessState.Crashed or ProcessState.Failed);
        return [new Decision.EndFormation(
            new FormationResult(FormationEndReason.AllEnded, failed ? FormationResult.ProcessFailedExitCode : 0, null),
            f.Processes.Count == 0 ? "no processes to run" : "every process has ended")];
    }

    /// <summary>
    /// Whether the formation is ready (every type started, every instance that counts ready), or why it
    /// never will be; null while it may still become ready.
    /// </summary>
    public static ReadinessVerdict? Readiness(IFormationView f, FormationResult? result, string formation)
    {
        if (result is not null)
        {
            return new(result.Reason == FormationEndReason.StartFailed
                ? result.Message ?? $"The start of '{formation}' failed."
                : $"Formation '{formation}' ended before it was ready ({result.Reason}).");
        }
        if (f.Processes.FirstOrDefault(p => p.State == ProcessState.Failed && !p.Removed) is { } failed)
            return new($"{failed.Name} failed: {failed.FailureReason}" + failed.LastLines);
        if (f.Processes.FirstOrDefault(p => p.NotReadyInTime && !p.Removed) is { } slow)
            return new($"{slow.Name} was not ready {ReadyLimit(slow.Settings)}.");
        if (f.PendingTypes.Count > 0 || !f.Processes.Where(CountsForReadiness).All(p => p.IsReady)) return null;
        return new(null);
    }

    /// <summary><c>within 30 s (http /health)</c>: the part of every not-ready message that says what was waited for.</summary>
    public static string ReadyLimit(TypeSettings settings) => $"within {Duration.Format(settings.ReadyTimeout)} ({settings.Ready})";

    /// <summary>Instances stopped on request are left out: stopping one is a decision, not a failure to become ready.</summary>
    public static bool CountsForReadiness(IProcessView p) => !p.Removed && p.State != ProcessState.Stopped;

    private static IReadOnlyList<Decision> AfterEnd(IFormationView f, IProcessView p, WaitStatus status, TimeSpan runTime, DateTimeOffset now)
    {
        if (p.StopRequested || f.State != FormationState.Running) return [];
        if (p.Settings.Task && !status.Success)
            return FailStart(f, p, status.ShellCode, $"task {p.Name} {status}." + p.LastLines) ?? [];

        var policy = p.Settings.Restart;
        if (policy == RestartPolicy.Never || (policy == RestartPolicy.OnFailure && status.Success))
        {
            // A dependency that is done for good can never be ready: the types waiting for it would wait forever.
            if (!p.Settings.Task && FailStart(f, p, status.Success ? FormationResult.NotReadyExitCode : status.ShellCode,
                    $"{p.Name} {status} and is not restarted, so the types after it cannot start." + p.LastLines) is { } failStart)
                return failStart;
            return NotRestarted(f, p, status.ShellCode);
        }

        var (ends, delay) = RestartTracker.Next(p.Ends, p.Settings.RestartSettings, now, runTime);
        if (delay is { } d) return [new Decision.ScheduleRestart(p, d, ends)];
        var reason = $"ended {ends.Count} times within {Duration.Format(p.Settings.RestartSettings.Window)} (last {status}); not restarting it";
        return [new Decision.GiveUp(p, reason, ends),
            .. FailStart(f, p, status.ShellCode, $"{p.Name} {reason}." + p.LastLines) ?? NotRestarted(f, p, status.ShellCode)];
    }

    private static IReadOnlyList<Decision> AfterSpawnFailed(IFormationView f, IProcessView p, string reason)
    {
        if (f.State != FormationState.Running) return [];
        var code = reason.StartsWith("permission denied", StringComparison.Ordinal) ? 126 : 127;
        return FailStart(f, p, code, $"{p.Name} failed to start: {reason}") ?? NotRestarted(f, p, code);
    }

    private static IReadOnlyList<Decision> AfterReadyTimeout(IFormationView f, IProcessView p) =>
        f.State != FormationState.Running
            ? []
            : FailStart(f, p, FormationResult.NotReadyExitCode, $"{p.Name} not ready {ReadyLimit(p.Settings)}." + p.LastLines) ?? [];

    /// <summary>
    /// A task that failed, or a dependency that failed or was not ready in time, fails the start: the
    /// formation stops with the process's code and its last output lines. Null when the end fails no start.
    /// </summary>
    private static IReadOnlyList<Decision>? FailStart(IFormationView f, IProcessView p, int exitCode, string message)
    {
        if (f.State != FormationState.Running || !(p.Settings.Task || BlocksAStart(f, p))) return null;
        return [new Decision.EndFormation(new FormationResult(FormationEndReason.StartFailed, exitCode, p.Name, message),
            $"start failed: {message.Split('\n')[0].TrimEnd('.')}; stopping the formation")];
    }

    /// <summary>An instance that ended for good stops the formation under exit-on-error (tasks excepted).</summary>
    private static IReadOnlyList<Decision> NotRestarted(IFormationView f, IProcessView p, int exitCode) =>
        !f.ExitOnError || f.State != FormationState.Running || p.Settings.Task
            ? []
            : [new Decision.EndFormation(new FormationResult(FormationEndReason.ExitOnError, exitCode, p.Name),
                $"{p.Name} ended and is not restarted: stopping the formation (exit-on-error)")];

    /// <summary>Whether some type that has not started yet waits for this process's type.</summary>
    private static bool BlocksAStart(IFormationView f, IProcessView p) =>
        f.PendingTypes.Any(t => f.SettingsOf(t).After.Contains(p.Settings.Type.Name));

    private static bool DependencyReady(IFormationView f, string type) =>
        !f.PendingTypes.Contains(type) && f.Processes.Where(p => p.Settings.Type.Name == type && CountsForReadiness(p)).All(p => p.IsReady);
}

/// <summary>The formation is ready (<see cref="Failure"/> null), or never will be, and why.</summary>
internal sealed record ReadinessVerdict(string? Failure);
