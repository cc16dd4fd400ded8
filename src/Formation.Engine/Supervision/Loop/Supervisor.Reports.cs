using Formation.Engine.Configuration;
using Formation.Engine.Os;

namespace Formation.Engine.Supervision;

/// <summary>The loop's handling of the edges' reports, and how it carries out the policy's decisions.</summary>
internal sealed partial class Supervisor
{
    private void Handle(object message)
    {
        switch (message)
        {
            case Request request:
                request.Run();
                break;
            case Report.Spawned s:
                OnSpawned(s.Process, s.Generation, s.Run);
                break;
            case Report.CouldNotStart c:
                OnCouldNotStart(c.Process, c.Generation, c.Reason, c.ExitCode);
                break;
            case Report.Ended e:
                OnEnded(e.Process, e.Run, e.Status, e.Leftovers);
                break;
            case Report.BecameReady r when r.Process.Run == r.Run && !r.Run.Ready.Task.IsCompleted && r.Process.State == ProcessState.Running:
                r.Run.StopProbe();
                Say($"{r.Process.Name} ready ({Duration.Format(Now - r.Run.Started)})");
                SetState(r.Process, ProcessState.Ready);
                r.Run.Ready.TrySetResult(true);
                break;
            case Report.ReadyTimedOut t when t.Process.Run == t.Run && !t.Run.Ready.Task.IsCompleted:
                t.Run.StopProbe();
                Say($"{t.Process.Name} not ready {SupervisionPolicy.ReadyLimit(t.Process.Settings)}");
                t.Run.Ready.TrySetResult(false);
                Apply(SupervisionPolicy.Decide(this, new Happening.ReadyTimedOut(t.Process), Now));
                break;
            case Report.RestartDue r when r.Generation == r.Process.Generation:
                Apply(SupervisionPolicy.Decide(this, new Happening.RestartDue(r.Process), Now));
                break;
            case Report.StopDeadline d:
                Apply(SupervisionPolicy.Decide(this, new Happening.StopDeadline(d.Stop.Name, d.Stop.Pgid, d.Stop.Signal, d.Stop.Timeout, d.KillRequested), Now));
                break;
            case Report.GroupGone g:
                _stops.Remove(g.Stop);
                if (g.Stop.Process is { } p && p.Stopping == g.Stop)
                {
                    p.Stopped(g.Stop);
                    SetState(p, ProcessState.Stopped);
                }
                g.Stop.Handled();
                break;
            case Report.EscapesStopped e:
                End(e.Escapes);
                break;
            case Report.Notice notice:
                Say(notice.Line);
                break;
        }
    }

    private void OnSpawned(ManagedProcess p, int generation, ProcessRun run)
    {
        _spawning = Math.Max(0, _spawning - 1);
        if (generation != p.SpawningGeneration)
        {
            // Not the spawn this instance waits for (the loop never asks for two at once, so this is a defect
            // elsewhere): the run is stopped as a stray, never tracked beside the current one.
            Say($"{p.Name}: an unexpected run (pid {run.Pid}) was started; stopping it");
            _edges.ReadOutput(p, run);
            StopStray(p.Name, run.Pid, p.Settings.StopSignal, p.Settings.StopTimeout, run);
            return;
        }
        p.Started(run, Now);
        _failures.RemoveAll(f => f.Process == p.Name);
        Say($"{p.Name} started with pid {run.Pid}" + (p.Port is { } port ? $" (PORT={port})" : ""));
        var stopNow = _stopping || p.StopRequested;
        // The probe is armed before the readers start, so the output matcher sees the first line.
        if (!stopNow) StartProbe(p, run);
        _edges.ReadOutput(p, run);
        SetState(p, ProcessState.Running);
        // Asked to stop while it was being spawned: it runs only to be stopped.
        if (stopNow) StopRun(p, _stopTimeout ?? p.Settings.StopTimeout, announce: false);
    }

    private void OnCouldNotStart(ManagedProcess p, int generation, string reason, int exitCode)
    {
        _spawning = Math.Max(0, _spawning - 1);
        if (generation != p.SpawningGeneration) return;
        p.CouldNotStart(reason, Now);
        RecordFailure(p, OutcomeCause.CouldNotStart);
        Say(SupervisionPolicy.FailureMessage(p));
        SetState(p, ProcessState.Failed);
        Apply(SupervisionPolicy.Decide(this, new Happening.CouldNotStart(p, reason, exitCode), Now));
    }

    private void OnEnded(ManagedProcess p, ProcessRun run, WaitStatus status, List<(int Pid, string Name)> leftovers)
    {
        if (p.Run != run)
        {
            // A run that is no longer the instance's (a stray being stopped): its stop waits for this.
            run.Exited.TrySetResult(status);
            return;
        }
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
        if (leftovers.Count == 0) _edges.Release(run.Pid);
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

    private void Apply(IReadOnlyList<Decision> decisions, bool settling = false)
    {
        if (decisions.Count > 0) Observer?.Invoke(decisions, settling);
        foreach (var decision in decisions)
        {
            switch (decision)
            {
                case Decision.ScheduleRestart { Process: ManagedProcess p } r:
                    Say($"restarting {p.Name} in {Duration.Format(r.Delay)}");
                    p.ScheduleRestart(Now + r.Delay, r.Ends, generation =>
                        _time.CreateTimer(_ => Post(new Report.RestartDue(p, generation)), null, r.Delay, Timeout.InfiniteTimeSpan));
                    break;
                case Decision.GiveUp { Process: ManagedProcess p } g:
                    p.GiveUp(g.Reason, g.Ends);
                    RecordFailure(p, OutcomeCause.GaveUp);
                    Say(SupervisionPolicy.FailureMessage(p));
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
                    BeginStop(e.Outcome);
                    break;
                case Decision.KillGroup k:
                    Say(k.Line);
                    foreach (var stop in _stops.Where(s => s.Pgid == k.Pgid)) stop.Kill();
                    break;
                case Decision.StopTypes t:
                    Say(t.Line);
                    foreach (var p in _processes.Where(p => t.Types.Contains(p.Type.Name) && p.IsLive && !p.StopRequested).ToList())
                        StopRun(p, _stopTimeout ?? p.Settings.StopTimeout, announce: false);
                    break;
            }
        }
    }

    /// <summary>Asks the edge for a run of the instance, unless one is being spawned already (one instance, one process).</summary>
    private void Spawn(ManagedProcess p, bool isRestart)
    {
        if (p.SpawningGeneration is not null || p.IsLive) return;
        var generation = p.BeginSpawn(isRestart);
        SetState(p, ProcessState.Starting);
        _spawning++;
        _edges.Spawn(p, generation);
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
        run.ReadyTimer = _time.CreateTimer(_ => Post(new Report.ReadyTimedOut(p, run)), null, p.Settings.ReadyTimeout, Timeout.InfiniteTimeSpan);
        if (probe.Kind == ReadyKind.Output) run.Matcher = new ReadyMatcher(probe.Regex, () => Post(new Report.BecameReady(p, run)));
        else if (p.Port is { } port) _edges.ProbePort(p, run, probe, port);
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
        _edges.StopGroup(stop);
        return stop;
    }

    /// <summary>Stops a group that belongs to no current run (a leader's leftovers, or a run that was not asked for).</summary>
    private void StopStray(string name, int pgid, int signal, TimeSpan timeout, ProcessRun? run)
    {
        if (run is not null) run.StopRequested = true;
        var stop = new GroupStop(name, pgid, signal, timeout, null, run);
        _stops.Add(stop);
        _edges.StopGroup(stop);
    }

    /// <summary>
    /// Stops the formation: stray groups at once; the runs as the policy says (<see cref="SupervisionPolicy.NextStops"/>:
    /// at once, or in reverse start order), from <see cref="AfterChange"/>. It ends when all are gone.
    /// </summary>
    private void BeginStop(FormationOutcome ending)
    {
        if (_stopping) return;
        _stopping = true;
        _ending = ending;
        _state = FormationState.Stopping;
        _pending.Clear();
        foreach (var p in _processes)
        {
            p.CancelRestart();
            // Instances still waiting for their dependencies never ran: they end as Stopped, not Starting.
            if (!p.Announced) SetState(p, ProcessState.Stopped);
        }
        var strays = _strays.ToList();
        _strays.Clear();
        if (strays.Count > 0 && !_processes.Exists(p => p.IsLive)) Say($"sending {Signals.Name(Plan.StopSignal)} to all processes");
        foreach (var (name, pgid) in strays) StopStray(name, pgid, Plan.StopSignal, _stopTimeout ?? TypeSettings.DefaultStopTimeout, null);
    }
}
