using Formation.Engine.Configuration;

namespace Formation.Engine.Supervision;

/// <summary>A reload in place: the files read again, the difference applied step by step through the loop.</summary>
public sealed partial class ProcessFormation
{
    /// <summary>
    /// Reads the Procfile, formation.yml and the .env files again (with the options the formation started with) and
    /// applies the difference: types new in the Procfile start, types gone from it stop, types whose command,
    /// environment, PORT, working_dir, ready probe or task flag changed restart one instance at a time, each ready
    /// before the next (no downtime with two instances or more), and the others keep their processes and PIDs
    /// (settings only the supervisor reads change in place). A count set at run time is kept unless the files
    /// change that type's count. With <paramref name="dryRun"/>, only the plan. Reloads and scale operations run one at a time.
    /// </summary>
    /// <returns>The plan, per type: what happened and why.</returns>
    /// <exception cref="FormationConfigException">The files do not validate (every problem, with file and line): nothing changed.</exception>
    /// <exception cref="PortInUseException">A new instance's PORT is held by another process (unless the formation was started with force): nothing changed.</exception>
    /// <exception cref="FormationException">The formation is not running, or a restarted or new instance could not start or was not ready in time: the reload stopped there (the message says what it had done).</exception>
    public async Task<ReloadPlan> ReloadAsync(bool dryRun = false, CancellationToken cancellationToken = default)
    {
        await _scaleGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = Plan;
            var next = current.Reread();
            var plan = await _loop.Call(() => _loop.PlanReload(next)).ConfigureAwait(false);
            if (dryRun) return plan;
            var started = _time.GetTimestamp();
            // New instances' ports are checked before anything changes; those the formation's own instances hold are given up first.
            var ours = (await _loop.Call(_loop.Snapshots).ConfigureAwait(false)).Where(p => p.Port is not null).Select(p => p.Port!.Value).ToHashSet();
            var notes = PortCheck.Run(next, plan.Types.Where(t => t.To > t.From && t.Action != ReloadAction.Stop)
                .SelectMany(t => Enumerable.Range(t.From + 1, t.To - t.From).Select(i => (next.Procfile.Find(t.Type)!, i))), ours);

            var (removed, stopped, restarts) = await _loop.Call(() => _loop.BeginReload(next, plan)).ConfigureAwait(false);
            await stopped.WaitAsync(cancellationToken).ConfigureAwait(false);
            await _loop.Call(() => { _loop.Forget(removed); return removed.Count; }).ConfigureAwait(false);
            foreach (var name in restarts)
            {
                try
                {
                    await RestartProcessAsync(name, null, cancellationToken).ConfigureAwait(false);
                }
                catch (FormationException ex)
                {
                    var left = restarts.SkipWhile(n => n != name).Skip(1).ToList();
                    throw new FormationException($"The reload stopped at {name}: {ex.Message}" +
                        (left.Count == 0 ? "" : $"\n{string.Join(", ", left)} still {(left.Count == 1 ? "runs" : "run")} the old definition (taken at the next restart)."), ex);
                }
            }
            var (added, spawned) = await _loop.Call(() => _loop.AddFromReload(plan, notes)).ConfigureAwait(false);
            await spawned.WaitAsync(cancellationToken).ConfigureAwait(false);
            foreach (var (p, run) in await _loop.Call(() => _loop.RunsOf(added)).ConfigureAwait(false))
                if (!await run.Ready.Task.WaitAsync(cancellationToken).ConfigureAwait(false))
                    throw await _loop.Call(() => _loop.RestartFailure(p, run, "started")).ConfigureAwait(false);
            _loop.Tell(() => _loop.Note($"reload done in {Duration.Format(_time.GetElapsedTime(started))}"));
            return plan;
        }
        finally
        {
            _scaleGate.Release();
        }
    }
}
