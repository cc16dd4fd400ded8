using Formation.Engine.Configuration;
using Formation.Engine.Os;
using Formation.Engine.Output;

namespace Formation.Engine.Supervision;

/// <summary>The loop's handling of the edges' reports, and how it carries out the policy's decisions.</summary>
internal sealed partial class Supervisor
{
    // ---- what the edges report ---------------------------------------------------------------------

    public sealed record Spawned(ManagedProcess Process, int Generation, ProcessRun Run);

    public sealed record SpawnFailed(ManagedProcess Process, int Generation, string Reason);

    /// <summary>A run's leader ended; its output has been read; the group members it left, unless it was being stopped.</summary>
    public sealed record Exited(ManagedProcess Process, ProcessRun Run, WaitStatus Status, List<(int Pid, string Name)> Leftovers);

    public sealed record ReadySeen(ManagedProcess Process, ProcessRun Run);

    public sealed record ReadyTimeout(ManagedProcess Process, ProcessRun Run);

    public sealed record RestartTimer(ManagedProcess Process, int Generation);

    public sealed record StopDeadlineReached(GroupStop Stop, bool KillRequested);

    public sealed record GroupGone(GroupStop Stop);

    /// <summary>The processes that had left their groups, stopped after everything else.</summary>
    public sealed record EscapesStopped(IReadOnlyList<(int Pid, string Name)> Escapes);

    /// <summary>A line of the manager's own from an edge (a probe's notice).</summary>
    public sealed record Notice(string Line);

    private void Handle(object message)
    {
        switch (message)
        {
            case Request request:
                request.Run();
                break;
            case Spawned s:
                OnSpawned(s.Process, s.Run);
                break;
            case SpawnFailed f:
                _spawning--;
                f.Process.CouldNotStart(f.Reason, Now);
                Say($"{f.Process.Name} failed to start: {f.Reason}");
                SetState(f.Process, ProcessState.Failed);
                Apply(SupervisionPolicy.Decide(this, new Happening.SpawnFailed(f.Process, f.Reason), Now));
                break;
            case Exited e:
                OnExited(e.Process, e.Run, e.Status, e.Leftovers);
                break;
            case ReadySeen r when r.Process.Run == r.Run && !r.Run.Ready.Task.IsCompleted && r.Process.State == ProcessState.Running:
                r.Run.StopProbe();
                Say($"{r.Process.Name} ready ({Duration.Format(Now - r.Run.Started)})");
                SetState(r.Process, ProcessState.Ready);
                r.Run.Ready.TrySetResult(true);
                break;
            case ReadyTimeout t when t.Process.Run == t.Run && !t.Run.Ready.Task.IsCompleted:
                t.Run.StopProbe();
                Say($"{t.Process.Name} not ready {SupervisionPolicy.ReadyLimit(t.Process.Settings)}");
                t.Run.Ready.TrySetResult(false);
                Apply(SupervisionPolicy.Decide(this, new Happening.ReadyTimedOut(t.Process), Now));
                break;
            case RestartTimer t when t.Generation == t.Process.Generation:
                Apply(SupervisionPolicy.Decide(this, new Happening.RestartDue(t.Process), Now));
                break;
            case StopDeadlineReached d:
                Apply(SupervisionPolicy.Decide(this, new Happening.StopDeadline(d.Stop.Name, d.Stop.Pgid, d.Stop.Signal, d.Stop.Timeout, d.KillRequested), Now));
                break;
            case GroupGone g:
                _stops.Remove(g.Stop);
                if (g.Stop.Process is { } p)
                {
                    p.Stopped(g.Stop);
                    SetState(p, ProcessState.Stopped);
                }
                g.Stop.Handled();
                break;
            case EscapesStopped e:
                End(e.Escapes);
                break;
            case Notice notice:
                Say(notice.Line);
                break;
        }
    }

    private void OnSpawned(ManagedProcess p, ProcessRun run)
    {
        _spawning--;
        p.Started(run, Now);
        Say($"{p.Name} started with pid {run.Pid}" + (p.Port is { } port ? $" (PORT={port})" : ""));
        var stopNow = _stopping || p.StopRequested;
        // The probe is armed before the readers start, so the output matcher sees the first line.
        if (!stopNow) StartProbe(p, run);
        OutputPump.Start(_events, _flow, p, run, run.Child.StdOut, LogStream.StdOut);
        OutputPump.Start(_events, _flow, p, run, run.Child.StdErr, LogStream.StdErr);
        SetState(p, ProcessState.Running);
        // Asked to stop while it was being spawned: it runs only to be stopped.
        if (stopNow) StopRun(p, _stopTimeout ?? p.Settings.StopTimeout, announce: false);
    }

    private void OnExited(ManagedProcess p, ProcessRun run, WaitStatus status, List<(int Pid, string Name)> leftovers)
    {
        if (p.Run != run) return;
        var now = Now;
        p.Ended(status, now);
        run.StopProbe();
        run.Ready.TrySetResult(p.Settings.Task && status.Success);
        Say($"{p.Name} {status}");
        if (p.StopRequested)
        {
            // The stop under way waits for the rest of the group and sets the state.
            run.Exited.TrySetResult(status);
            return;
        }
        if (leftovers.Count == 0) Watchdog.Remove(run.Pid);
        else
        {
            _strays.Add((p.Name, run.Pid));
            Say($"{p.Name} left {leftovers.Count} process(es) running in its group " +
                $"({string.Join(", ", leftovers.Select(l => $"{l.Name} pid {l.Pid}"))}); they are stopped with the formation");
        }
        SetState(p, status.Success ? ProcessState.Exited : ProcessState.Crashed);
        run.Exited.TrySetResult(status);
        Apply(SupervisionPolicy.Decide(this, new Happening.Ended(p, status, now - run.Started), now));
    }

    // ---- carrying out decisions --------------------------------------------------------------------

    private void Apply(IReadOnlyList<Decision> decisions)
    {
        foreach (var decision in decisions)
        {
            switch (decision)
            {
                case Decision.ScheduleRestart { Process: ManagedProcess p } r:
                    Say($"restarting {p.Name} in {Duration.Format(r.Delay)}");
                    p.ScheduleRestart(Now + r.Delay, r.Ends, generation =>
                        _time.CreateTimer(_ => Post(new RestartTimer(p, generation)), null, r.Delay, Timeout.InfiniteTimeSpan));
                    break;
                case Decision.GiveUp { Process: ManagedProcess p } g:
                    p.GiveUp(g.Reason, g.Ends);
                    Say($"{p.Name} {g.Reason}");
                    SetState(p, ProcessState.Failed);
                    break;
                case Decision.Spawn { Process: ManagedProcess p }:
                    Spawn(p, isRestart: true);
                    break;
                case Decision.StartType s:
                    _pending.Remove(s.Type);
                    if (s.Line is not null) Say(s.Line);
                    foreach (var p in _processes.Where(p => p.Type.Name == s.Type && !p.Removed && !p.IsLive && !p.StopRequested).ToList())
                        Spawn(p, isRestart: false);
                    break;
                case Decision.EndFormation e:
                    Say(e.Line);
                    BeginStop(e.Result);
                    break;
                case Decision.KillGroup k:
                    Say(k.Line);
                    foreach (var stop in _stops.Where(s => s.Pgid == k.Pgid)) stop.Kill();
                    break;
            }
        }
    }

    private void Spawn(ManagedProcess p, bool isRestart)
    {
        var generation = p.BeginSpawn(isRestart);
        SetState(p, ProcessState.Starting);
        _spawning++;
        _spawner.Spawn(p, generation);
    }

    /// <summary>Arms the run's readiness probe: output lines are matched off the reader; TCP and HTTP are tried with backoff.</summary>
    private void StartProbe(ManagedProcess p, ProcessRun run)
    {
        if (p.Settings.Task) return;
        var probe = p.Settings.Ready;
        if (probe is null)
        {
            run.Ready.TrySetResult(true);
            return;
        }
        run.ReadyTimer = _time.CreateTimer(_ => Post(new ReadyTimeout(p, run)), null, p.Settings.ReadyTimeout, Timeout.InfiniteTimeSpan);
        if (probe.Kind == ReadyKind.Output) run.Matcher = new ReadyMatcher(probe.Regex, () => Post(new ReadySeen(p, run)));
        else if (p.Port is { } port)
            _ = Task.Run(() => ReadyProbes.PollAsync(p.Name, run, probe, port, _time, () => Post(new ReadySeen(p, run)), line => Post(new Notice(line))));
        else Say($"{p.Name} has a {probe.Kind.ToString().ToLowerInvariant()} probe but no PORT (port: none): it can never be ready");
    }

    /// <summary>Stops one run at the edge: the type's stop signal to its group, SIGKILL after the timeout. Null when it does not run.</summary>
    private GroupStop? StopRun(ManagedProcess p, TimeSpan timeout, bool announce)
    {
        p.RequestStop();
        if (p.Stopping is { } under) return under;
        if (p.Run is not { } run) return null;
        run.StopRequested = true;
        var signal = p.Settings.StopSignal;
        SetState(p, ProcessState.Stopping);
        if (announce) Say($"sending {Signals.Name(signal)} to {p.Name} (pid {run.Pid})");
        var stop = new GroupStop(p.Name, run.Pid, signal, timeout, p, run);
        p.BeginStopping(stop);
        _stops.Add(stop);
        stop.Begin(m => Post(m), _time, _killNow.Token);
        return stop;
    }

    /// <summary>Stops the formation: every run and every stray group at once; the formation ends when all are gone.</summary>
    private void BeginStop(FormationResult result)
    {
        if (_stopping) return;
        _stopping = true;
        _result = result;
        _state = FormationState.Stopping;
        _pending.Clear();
        foreach (var p in _processes)
        {
            p.CancelRestart();
            // Instances still waiting for their dependencies never ran: they end as Stopped, not Starting.
            if (!p.Announced) SetState(p, ProcessState.Stopped);
        }
        var targets = _processes.Where(p => p.Run is not null).ToList();
        var strays = _strays.ToList();
        _strays.Clear();
        var signals = targets.Select(p => p.Settings.StopSignal).Distinct().ToList();
        if (targets.Count + strays.Count > 0)
            Say($"sending {(signals.Count == 1 ? Signals.Name(signals[0]) : "the stop signals")} to all processes");
        foreach (var p in targets) StopRun(p, _stopTimeout ?? p.Settings.StopTimeout, announce: false);
        foreach (var (name, pgid) in strays)
        {
            var stop = new GroupStop(name, pgid, Plan.StopSignal, _stopTimeout ?? TypeSettings.DefaultStopTimeout, null, null);
            _stops.Add(stop);
            stop.Begin(m => Post(m), _time, _killNow.Token);
        }
    }
}
