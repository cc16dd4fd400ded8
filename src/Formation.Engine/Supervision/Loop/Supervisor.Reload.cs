using Formation.Engine.Configuration;

namespace Formation.Engine.Supervision;

/// <summary>
/// The loop's part of a reload (<see cref="ProcessFormation.ReloadAsync"/> drives it): the plan, then the new
/// definitions, the removals, and the instances of new types and counts.
/// </summary>
internal sealed partial class Supervisor
{
    /// <summary>What changes from the running instances to <paramref name="next"/> (<see cref="ReloadPolicy.Plan"/>).</summary>
    public ReloadPlan PlanReload(FormationPlan next) => ReloadPolicy.Plan(this, Plan, next);

    /// <summary>
    /// Takes <paramref name="next"/> as the formation's plan. Kept types take their new settings in place; the
    /// instances of changed types take their new definition (now when they do not run, else at their next spawn);
    /// the instances of types that left the Procfile, and those above a count the files lowered, are stopped.
    /// Returns them, a task that completes when they are gone, and the live instances to restart, in order.
    /// </summary>
    public (List<ManagedProcess> Removed, Task Stopped, List<string> Restarts) BeginReload(FormationPlan next, ReloadPlan plan)
    {
        EnsureRunning();
        _plan = next;
        Say(plan.HasChanges
            ? "reloading: " + string.Join("; ", plan.Types.Where(t => t.Changes.Count > 0).Select(t => t.ToString()))
            : "reloading: nothing changed");
        var removed = new List<ManagedProcess>();
        var stops = new List<Task>();
        foreach (var change in plan.Types.Where(t => t.Action != ReloadAction.Start))
        {
            var instances = _processes.Where(p => p.Type.Name == change.Type && !p.Removed).OrderBy(p => p.Index).ToList();
            var leaving = change.Action == ReloadAction.Stop ? instances : instances.Skip(change.To).Reverse().ToList();
            foreach (var p in leaving)
            {
                if (StopRun(p, p.Settings.StopTimeout, announce: false) is { } stop) stops.Add(stop.Gone);
                p.MarkRemoved();
                removed.Add(p);
            }
            if (next.Procfile.Find(change.Type) is not { } type) continue;
            foreach (var p in instances.Except(leaving))
            {
                var spec = InstanceSpec.Of(next, type, p.Index);
                if (ReloadPolicy.NeedsRestart(p, spec.Settings, spec.Port, spec.Environment)) p.Redefine(spec);
                else p.Adopt(spec.Settings);
            }
        }
        _pending.RemoveAll(t => next.Procfile.Find(t) is null);
        _processes.Sort((a, b) => (PositionOf(a), a.Index).CompareTo((PositionOf(b), b.Index)));
        var restarting = plan.Types.Where(t => t.Action == ReloadAction.Restart).Select(t => t.Type);
        var restarts = ReloadPolicy.RestartOrder(this, next, restarting)
            .SelectMany(t => _processes.Where(p => p.Type.Name == t && !p.Removed && p.Pending is not null && p.IsUp).OrderBy(p => p.Index))
            .Select(p => p.Name).ToList();
        return (removed, Task.WhenAll(stops), restarts);
    }

    /// <summary>
    /// Adds the instances of the types new in the Procfile (they start once the types they come after are ready) and
    /// those of counts the files raised (they start now). Completes with them once their spawns are reported.
    /// </summary>
    public (List<ManagedProcess> Added, Task Spawned) AddFromReload(ReloadPlan plan, IReadOnlyList<string> portNotes)
    {
        EnsureRunning();
        foreach (var line in portNotes) Say(line);
        var added = new List<ManagedProcess>();
        foreach (var change in plan.Types.Where(t => t.To > t.From && t.Action != ReloadAction.Stop))
        {
            var type = Plan.Procfile.Find(change.Type)!;
            var fresh = Enumerable.Range(change.From + 1, change.To - change.From).Select(i => Add(type, i)).ToList();
            added.AddRange(fresh);
            if (change.Action == ReloadAction.Start) _pending.Add(type.Name);
            else if (!_pending.Contains(type.Name)) fresh.ForEach(p => Spawn(p, isRestart: false));
        }
        return (added, SpawnsReported());
    }

    /// <summary>The runs of the instances a reload added that have been spawned (those waiting for their dependencies have none yet).</summary>
    public List<(ManagedProcess Process, ProcessRun Run)> RunsOf(List<ManagedProcess> added) =>
        added.Where(p => p.Run is not null).Select(p => (p, p.Run!)).ToList();

    /// <summary>A line of the manager's own, from the public API (a reload's end).</summary>
    public void Note(string line) => Say(line);
}
