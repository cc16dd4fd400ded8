using Formation.Engine.Configuration;

namespace Formation.Engine.Supervision;

/// <summary>
/// What a reload does: the running instances' definitions (command, environment, PORT, settings) against the files
/// as they are now, per type (<see cref="Plan"/>), and the order in which types move to new ports (<see cref="RestartOrder"/>).
/// Pure: it reads the views and two plans.
/// </summary>
internal static class ReloadPolicy
{
    /// <summary>
    /// The plan. A type's count follows the files only when the files changed it (<paramref name="current"/>'s count
    /// against <paramref name="next"/>'s); otherwise the count set at run time is kept.
    /// </summary>
    public static ReloadPlan Plan(IFormationView f, FormationPlan current, FormationPlan next)
    {
        var types = new List<TypeReload>();
        var moved = new List<string>();
        foreach (var type in next.Procfile.Types)
        {
            var instances = f.Processes.Where(p => p.Settings.Type.Name == type.Name && !p.Removed).ToList();
            if (current.Procfile.Find(type.Name) is not { } old)
            {
                types.Add(new(type.Name, ReloadAction.Start, ["new in the Procfile"], instances.Count, next.Counts[type.Name]));
                continue;
            }
            var settings = next.Settings(type);
            // The instance that shows what runs now; with none (scaled to 0), the type as it was last applied.
            var (runs, port, env) = instances.Count > 0
                ? (instances[0].Settings, instances[0].Port, instances[0].Environment)
                : (current.Settings(old), current.PortFor(old, 1), current.EnvironmentFor(old, 1));
            var index = instances.Count > 0 ? instances[0].Index : 1;
            var changes = RestartChanges(runs, port, env, settings, next.PortFor(type, index), next.EnvironmentFor(type, index));
            var restart = changes.Count > 0 || instances.Any(p => NeedsRestart(p, settings, next.PortFor(type, p.Index), next.EnvironmentFor(type, p.Index)));
            if (port != next.PortFor(type, index) && old.Position != type.Position && !settings.FixedPort) moved.Add(type.Name);
            changes.AddRange(InPlaceChanges(runs, settings));
            var from = instances.Count;
            var to = current.Counts[type.Name] != next.Counts[type.Name] ? next.Counts[type.Name] : from;
            if (to != from) changes.Add($"count {from} → {to}");
            // Instances that do not run (stopped, failed) take the new definition at their next start.
            var action = restart && instances.Any(p => p.IsUp) ? ReloadAction.Restart : to != from ? ReloadAction.Scale : ReloadAction.Keep;
            types.Add(new(type.Name, action, changes, from, to));
        }
        foreach (var gone in current.Procfile.Types.Where(t => next.Procfile.Find(t.Name) is null))
        {
            var count = f.Processes.Count(p => p.Settings.Type.Name == gone.Name && !p.Removed);
            types.Add(new(gone.Name, ReloadAction.Stop, ["not in the Procfile any more"], count, 0));
        }
        return new ReloadPlan(f.Name, types, Notes(f, current, next, moved));
    }

    /// <summary>Whether an instance runs something other than what the files now say (its command, environment, PORT, directory, probe, kind).</summary>
    public static bool NeedsRestart(IProcessView p, TypeSettings settings, int? port, IReadOnlyDictionary<string, string> env) =>
        RestartChanges(p.Settings, p.Port, p.Environment, settings, port, env).Count > 0;

    /// <summary>
    /// The order in which restarting types take their new definitions, so that a type moving to a port another type
    /// still holds goes after it: the types moving up, highest first (an insertion shifts every later type up by 100),
    /// then the others in Procfile order. Two types that swap ports cannot both be served; the second fails to bind.
    /// </summary>
    public static IReadOnlyList<string> RestartOrder(IFormationView f, FormationPlan next, IEnumerable<string> restarting)
    {
        int? Now(string type) => f.Processes.FirstOrDefault(p => p.Settings.Type.Name == type && !p.Removed)?.Port;
        int? Then(string type) => next.Settings(next.Procfile.Find(type)!).BasePort;
        var list = restarting.ToList();
        var up = list.Where(t => Then(t) > Now(t)).OrderByDescending(Then).ToList();
        return [.. up, .. list.Except(up)];
    }

    private static List<string> RestartChanges(TypeSettings runs, int? port, IReadOnlyDictionary<string, string> env,
        TypeSettings settings, int? nextPort, IReadOnlyDictionary<string, string> nextEnv)
    {
        var changes = new List<string>();
        if (runs.Type.Command != settings.Type.Command) changes.Add("command");
        var names = env.Keys.Union(nextEnv.Keys).Where(k => k != "PORT" && env.GetValueOrDefault(k) != nextEnv.GetValueOrDefault(k)).Order(StringComparer.Ordinal).ToList();
        if (names.Count > 0) changes.Add($"environment: {string.Join(", ", names)}");
        if (port != nextPort) changes.Add($"PORT {port?.ToString() ?? "none"} → {nextPort?.ToString() ?? "none"}");
        if (runs.WorkingDirectory != settings.WorkingDirectory) changes.Add("working_dir");
        if (runs.Ready?.ToString() != settings.Ready?.ToString()) changes.Add($"ready {runs.Ready?.ToString() ?? "none"} → {settings.Ready?.ToString() ?? "none"}");
        if (runs.Task != settings.Task) changes.Add("task");
        return changes;
    }

    /// <summary>The settings only the supervisor reads: they change in place, without a restart.</summary>
    private static IEnumerable<string> InPlaceChanges(TypeSettings runs, TypeSettings settings)
    {
        if (runs.Restart != settings.Restart) yield return $"restart {RestartPolicyWords.Word(runs.Restart)} → {RestartPolicyWords.Word(settings.Restart)} (in place)";
        if (runs.RestartSettings.MaxFailures != settings.RestartSettings.MaxFailures)
            yield return $"max_restarts {runs.RestartSettings.MaxFailures} → {settings.RestartSettings.MaxFailures} (in place)";
        if (runs.RestartSettings.Window != settings.RestartSettings.Window)
            yield return $"restart_window {Duration.Format(runs.RestartSettings.Window)} → {Duration.Format(settings.RestartSettings.Window)} (in place)";
        if (runs.StopSignal != settings.StopSignal) yield return $"stop_signal {Os.Signals.Name(runs.StopSignal)} → {Os.Signals.Name(settings.StopSignal)} (in place)";
        if (runs.StopTimeout != settings.StopTimeout) yield return $"stop_timeout {Duration.Format(runs.StopTimeout)} → {Duration.Format(settings.StopTimeout)} (in place)";
        if (runs.ReadyTimeout != settings.ReadyTimeout) yield return $"ready_timeout {Duration.Format(runs.ReadyTimeout)} → {Duration.Format(settings.ReadyTimeout)} (in place)";
        if (!runs.After.SequenceEqual(settings.After)) yield return $"after [{string.Join(", ", runs.After)}] → [{string.Join(", ", settings.After)}] (in place)";
    }

    private static List<string> Notes(IFormationView f, FormationPlan current, FormationPlan next, List<string> moved)
    {
        var notes = new List<string>();
        if (moved.Count > 0)
            notes.Add($"{string.Join(", ", moved)} {(moved.Count == 1 ? "moves" : "move")} to new ports: a type's ports follow its line in the Procfile " +
                      "(base + 100 × position). Add new types at the end, or give a type its own port (port: in formation.yml), to keep ports.");
        if (current.Options.Name is null && next.Config?.Name is { } name && name != f.Name)
            notes.Add($"formation.yml names the formation '{name}': it keeps the name '{f.Name}' until it is started again.");
        if (current.Config?.LogDirectory != next.Config?.LogDirectory)
            notes.Add("log_dir changed: it takes effect when the formation is started again.");
        return notes;
    }
}
