namespace Formation.Engine.Supervision;

/// <summary>What a reload does to one process type.</summary>
public enum ReloadAction
{
    /// <summary>Nothing that shapes its processes changed: they keep running, with the same PIDs (settings the supervisor alone reads change in place).</summary>
    Keep,

    /// <summary>New in the Procfile: its instances start (once the types it comes after are ready).</summary>
    Start,

    /// <summary>No longer in the Procfile: its instances stop.</summary>
    Stop,

    /// <summary>Its command, environment, PORT, working_dir, ready probe or task flag changed: its instances restart one at a time, each ready before the next.</summary>
    Restart,

    /// <summary>Only its count changed in the files: instances are added or stopped, the others keep running.</summary>
    Scale,
}

/// <summary>One process type's line of a reload plan: what happens to it and why.</summary>
/// <param name="Type">The process type.</param>
/// <param name="Action">What happens to its instances.</param>
/// <param name="Changes">What changed, one phrase each (<c>command</c>, <c>environment: DATABASE_URL</c>, <c>PORT 5100 → 5200</c>,
/// <c>count 2 → 3</c>, <c>stop_timeout 5 s → 10 s (in place)</c>); empty when nothing did.</param>
/// <param name="From">Its instances before the reload.</param>
/// <param name="To">Its instances after it.</param>
public sealed record TypeReload(string Type, ReloadAction Action, IReadOnlyList<string> Changes, int From, int To)
{
    /// <summary>Why, in words: the changes, or <c>unchanged</c>.</summary>
    public string Reason => Changes.Count == 0 ? "unchanged" : string.Join("; ", Changes);

    /// <summary><c>web: restart (command; PORT 5100 → 5200)</c>.</summary>
    public override string ToString() =>
        $"{Type}: {Action.ToString().ToLowerInvariant()}" + (From == To ? "" : $" {From} → {To}") + $" ({Reason})";
}

/// <summary>
/// The difference between a running formation and its files as they are now (the Procfile, formation.yml, the .env
/// files), per process type; what a reload applies, and what a dry run shows.
/// </summary>
/// <param name="Formation">The formation's name.</param>
/// <param name="Types">Every type of the files in Procfile order, then the types that left the Procfile.</param>
/// <param name="Notes">What the reload does not change while the formation runs, and why ports move.</param>
public sealed record ReloadPlan(string Formation, IReadOnlyList<TypeReload> Types, IReadOnlyList<string> Notes)
{
    /// <summary>Whether anything changes.</summary>
    public bool HasChanges => Types.Any(t => t.Changes.Count > 0);
}
