using Formation.Engine.Configuration;
using Formation.Engine.Output;

namespace Formation.Engine.Supervision;

/// <summary>The requests of the public API, run on the loop through <see cref="Call{T}"/>.</summary>
internal sealed partial class Supervisor
{
    /// <summary>Adds every instance and starts the types without <c>after</c>; completes when their spawns are reported.</summary>
    public Task Start(IReadOnlyList<string> portNotes)
    {
        if (_started) throw new InvalidOperationException($"Formation '{Name}' has already been started.");
        _started = true;
        foreach (var line in portNotes) Say(line);
        foreach (var (type, index) in Plan.Instances()) Add(type, index);
        _pending.AddRange(Plan.Procfile.Types.Select(t => t.Name));
        return SpawnsReported();
    }

    /// <summary>
    /// Completes when the formation is ready. When it never will be, the loop ends it with that failure and the
    /// task fails with <see cref="FormationFailedException"/> once everything is gone (also when it ended first).
    /// </summary>
    public Task AddReadyWaiter()
    {
        if (_outcome is not null) return Task.FromException(new FormationFailedException(_outcome));
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _readyWaiters.Add(waiter);
        return waiter.Task;
    }

    public FormationProcess[] Snapshots()
    {
        var now = Now;
        return _processes.Select(p => p.Snapshot(Name, now)).ToArray();
    }

    public FormationProcess? Snapshot(string name) => _processes.Find(p => p.Name == name)?.Snapshot(Name, Now);

    public FormationProcess Snapshot(ManagedProcess p) => p.Snapshot(Name, Now);

    public Dictionary<string, int> Counts()
    {
        var scale = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var type in Plan.Procfile.Types) scale[type.Name] = _processes.Count(p => p.Type.Name == type.Name && !p.Removed);
        return scale;
    }

    public ManagedProcess Find(string name) =>
        _processes.Find(p => p.Name == name && !p.Removed) ?? throw new FormationException(
            $"No process named '{name}' in formation '{Name}'. Processes: {string.Join(", ", _processes.Where(p => !p.Removed).Select(p => p.Name))}.");

    public List<LogBuffer> Logs(string? process) => process is null
        ? [.. _processes.Select(p => p.Log), _events.SystemLog]
        : _processes.Where(p => p.Name == process).Select(p => p.Log).ToList();

    /// <summary>The buffers of every process named, or of a type named, and the system log when named; all of them for null.</summary>
    public List<LogBuffer> Logs(IReadOnlyCollection<string>? names) => names is null
        ? Logs(process: null)
        : [.. _processes.Where(p => names.Contains(p.Name) || names.Contains(p.Type.Name)).Select(p => p.Log),
            .. names.Contains(LogLine.SystemName) ? [_events.SystemLog] : Array.Empty<LogBuffer>()];

    /// <summary>Stops the formation on request; <paramref name="interrupted"/> when a signal or Ctrl+C asked.</summary>
    public void Stop(TimeSpan? timeout, string? reason, bool interrupted)
    {
        if (_stopping) return;
        if (reason is not null) Say(reason);
        _stopTimeout = timeout;
        BeginStop(FormationOutcome.Stopped(Name, interrupted, null));
    }

    /// <summary>Kills every group now: those being stopped, and those an ordered stop has not reached yet.</summary>
    public void Kill(string? reason)
    {
        if (reason is not null) Say(reason);
        _killing = true;
        _killNow.Cancel();
        if (!_stopping) BeginStop(FormationOutcome.Stopped(Name, interrupted: true, null));
    }

    /// <summary>Completes once no spawn of the instance is under way at the edge (its report has been handled).</summary>
    public Task SpawnSettled(string name)
    {
        var p = Find(name);
        if (p.SpawningGeneration is null) return Task.CompletedTask;
        var settled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _settleWaiters.Add((p, settled));
        return settled.Task;
    }

    /// <summary>Starts an instance that is not running; completes with its snapshot once the spawn is reported.</summary>
    public Task<FormationProcess> StartProcess(string name)
    {
        EnsureRunning();
        var p = Find(name);
        if (p.IsLive || p.SpawningGeneration is not null) return Task.FromResult(Snapshot(p));
        p.ForgetEnds();
        Spawn(p, isRestart: p.StartTime is not null);
        return SpawnsReported().ContinueWith(_ => Call(() => Snapshot(p)), TaskScheduler.Default).Unwrap();
    }

    /// <summary>Stops one instance and does not restart it; the task completes when its group is gone.</summary>
    public (ManagedProcess Process, Task Stopped) StopProcess(string name, TimeSpan? timeout)
    {
        var p = Find(name);
        var pendingRestart = p.RestartPending;
        if (StopRun(p, timeout ?? p.Settings.StopTimeout, announce: true) is { } stop) return (p, stop.Gone);
        // Not running: one waiting for its restart, or for its dependencies, is now simply Stopped.
        if (pendingRestart || !p.Announced) SetState(p, ProcessState.Stopped);
        return (p, Task.CompletedTask);
    }

    /// <summary>The first half of a restart: stops the run if there is one.</summary>
    public (ManagedProcess Process, Task Stopped) BeginRestart(string name, TimeSpan? timeout)
    {
        EnsureRunning();
        var p = Find(name);
        var stop = StopRun(p, timeout ?? p.Settings.StopTimeout, announce: true);
        p.RequestRestart();
        return (p, stop?.Gone ?? Task.CompletedTask);
    }

    /// <summary>The second half: spawns the instance again; completes with the new run (null when it could not start).</summary>
    public Task<ProcessRun?> Respawn(ManagedProcess p)
    {
        EnsureRunning();
        if (p.Removed) throw new FormationException($"Process '{p.Name}' was scaled away while it restarted.");
        if (p.IsLive) return Task.FromResult(p.Run);
        p.ForgetEnds();
        Spawn(p, isRestart: true);
        return SpawnsReported().ContinueWith(_ => Call(() => p.Run), TaskScheduler.Default).Unwrap();
    }

    /// <summary>Why a run that was <paramref name="did"/> (restarted, started) is not ready: not within its ready_timeout, or it ended first.</summary>
    public FormationException RestartFailure(ManagedProcess p, ProcessRun run, string did = "restarted")
    {
        var message = p.Run == run
            ? $"{p.Name} {did} but was not ready {SupervisionPolicy.ReadyLimit(p.Settings)}."
            // A failed spawn has no exit status: say why instead of "()".
            : $"{p.Name} {did} but ended before it was ready ({p.ExitStatus?.ToString() ?? p.FailureReason ?? "it did not start"}).";
        var lines = p.LastOutput;
        return new FormationException(lines.Count == 0 ? message : $"{message}\nLast output of {p.Name}:\n" + string.Join("\n", lines.Select(l => "  " + l)));
    }

    public int CountOf(ProcessType type)
    {
        EnsureRunning();
        return _processes.Count(p => p.Type.Name == type.Name && !p.Removed);
    }

    /// <summary>Adds or removes instances; the tasks complete when the new ones are spawned and the removed ones stopped.</summary>
    public (List<ManagedProcess> Added, List<ManagedProcess> Removed, Task Done) BeginScale(ProcessType type, int count, IReadOnlyList<string> portNotes)
    {
        EnsureRunning();
        foreach (var line in portNotes) Say(line);
        var current = _processes.Where(p => p.Type.Name == type.Name && !p.Removed).OrderBy(p => p.Index).ToList();
        if (current.Count != count) Say($"scaling {type.Name} from {current.Count} to {count}");
        var added = new List<ManagedProcess>();
        for (var i = current.Count + 1; i <= count; i++) added.Add(Add(type, i));
        var removed = current.Count > count ? current.Skip(count).Reverse().ToList() : [];
        var stops = new List<Task>();
        foreach (var p in removed)
        {
            var stop = StopRun(p, p.Settings.StopTimeout, announce: false);
            p.MarkRemoved();
            if (stop is not null) stops.Add(stop.Gone);
        }
        if (!_pending.Contains(type.Name))
            foreach (var p in added) Spawn(p, isRestart: false);
        stops.Add(SpawnsReported());
        return (added, removed, Task.WhenAll(stops));
    }

    public ScaleResult FinishScale(ProcessType type, List<ManagedProcess> added, List<ManagedProcess> removed)
    {
        var now = Now;
        Forget(removed);
        return new ScaleResult(type.Name, added.Select(p => p.Snapshot(Name, now)).ToArray(), removed.Select(p => p.Snapshot(Name, now)).ToArray());
    }

    /// <summary>Forgets instances that were scaled away (or whose type left the Procfile) once their groups are gone.</summary>
    public void Forget(List<ManagedProcess> removed)
    {
        foreach (var p in removed)
        {
            if (p.State is ProcessState.Running or ProcessState.Ready or ProcessState.Starting or ProcessState.Stopping) SetState(p, ProcessState.Stopped);
            _processes.Remove(p);
            _failures.RemoveAll(f => f.Process == p.Name);
        }
    }

    private void EnsureRunning()
    {
        if (_state != FormationState.Running)
            throw new FormationException($"Formation '{Name}' is {_state.ToString().ToLowerInvariant()}; start it again to run processes.");
    }

    /// <summary>Completes once no spawn is in flight (every spawn asked for so far has been reported).</summary>
    private Task SpawnsReported()
    {
        // Checked after the change is carried out (AfterChange), so spawns that settling starts count too.
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _spawnWaiters.Add(waiter);
        return waiter.Task;
    }
}
