using System.Management.Automation;
using Formation.Engine;
using Formation.Engine.Configuration;
using Formation.Engine.Supervision;

namespace Formation.PowerShell;

/// <summary>
/// The base of every Formation cmdlet: a token that <see cref="StopProcessing"/> cancels and every wait
/// takes, path resolution through PowerShell's provider, formation lookup with wildcards, and waits that
/// show progress. Members that name engine types are <c>private protected</c>, so the module's public
/// surface names only .NET, PowerShell and the module's own types (PowerShell reflects over it before any
/// module code runs).
/// </summary>
public abstract class FormationCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _cancel = new();

    private protected CancellationToken CancelToken => _cancel.Token;

    private protected static FormationRegistry Registry => Session.Registry;

    protected override void StopProcessing() => _cancel.Cancel();

    public void Dispose()
    {
        _cancel.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>A path relative to PowerShell's current location (<c>$PWD</c>), not the process's directory.</summary>
    private protected string ResolvePath(string path) => SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);

    /// <summary>Waits for an engine task on the pipeline thread; Ctrl+C stops the wait.</summary>
    private protected T Await<T>(Task<T> task)
    {
        Await((Task)task);
        return task.GetAwaiter().GetResult();
    }

    /// <summary>
    /// Waits for an engine task on the pipeline thread; Ctrl+C stops the wait. While it waits, each state
    /// change of a process of <paramref name="watched"/> calls <paramref name="progress"/> to refresh the
    /// progress bar (no polling: the wait wakes on the formation's events).
    /// </summary>
    private protected void Await(Task task, IReadOnlyList<ProcessFormation>? watched = null, Func<ProgressRecord?>? progress = null)
    {
        using var changed = new SemaphoreSlim(0);
        void OnChanged(object? sender, ProcessStateChangedEventArgs e)
        {
            try
            {
                changed.Release();
            }
            catch (ObjectDisposedException)
            {
                // An event already on its way when the wait ended.
            }
        }
        if (progress is not null && watched is not null)
            foreach (var f in watched) f.ProcessStateChanged += OnChanged;
        try
        {
            // Progress is refreshed on the formation's events, at most every 100 ms: a burst of state changes
            // (100 instances starting) costs one refresh, not one per change.
            TimeSpan? shown = null;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (!task.IsCompleted)
            {
                if (progress is not null && (shown is null || clock.Elapsed - shown >= TimeSpan.FromMilliseconds(100)) && progress() is { } record)
                {
                    WriteProgress(record);
                    shown = clock.Elapsed;
                }
                var woke = changed.WaitAsync(CancelToken);
                Task.WaitAny([task, woke], CancellationToken.None);
                if (CancelToken.IsCancellationRequested) throw new PipelineStoppedException();
                while (changed.CurrentCount > 0) changed.Wait(0);
            }
            if (progress?.Invoke() is { } done)
            {
                done.RecordType = ProgressRecordType.Completed;
                WriteProgress(done);
            }
            task.GetAwaiter().GetResult();
        }
        finally
        {
            if (watched is not null)
                foreach (var f in watched) f.ProcessStateChanged -= OnChanged;
        }
    }

    /// <summary>
    /// After Ctrl+C ended a wait that started <paramref name="formation"/>: stops it as interrupted and returns once
    /// it has ended, so nothing it started outlives the prompt. Bounded: the stop timeout, then SIGKILL.
    /// </summary>
    private protected static void StopInterrupted(ProcessFormation formation, string reason)
    {
        var ended = formation.StopAsync(reason: reason, interrupted: true);
        var longest = formation.Plan.Procfile.Types.Max(t => formation.Plan.Settings(t).StopTimeout);
        ended.Wait(longest + TimeSpan.FromSeconds(10));
    }

    /// <summary>
    /// Formations whose names match any of the patterns: with no names, this session's (or, with
    /// <paramref name="everywhere"/>, also the user's formations in other processes); a name is looked for in
    /// this session, then among the user's other formations. An error for each plain name that matches nothing.
    /// </summary>
    private protected List<Formation> FindFormations(string[]? names, bool everywhere = false)
    {
        if (names is null || names.Length == 0) return [.. everywhere ? Session.All(WriteWarning) : Session.Formations];
        var candidates = names.All(n => !WildcardPattern.ContainsWildcardCharacters(n) && Session.Registry.Find(n) is not null)
            ? Session.Formations
            : Session.All(WriteWarning);
        return MatchNames(candidates, f => f.Name, names, "formation");
    }

    /// <summary>
    /// The items whose name matches any of the patterns (all when none are given), each once, in the items'
    /// order. A plain name (no wildcard) matches its exact spelling; only when nothing has that spelling does it
    /// match regardless of case, and an error names it when it matches nothing (<paramref name="notFound"/> may give a
    /// better one). Wildcards ignore case.
    /// </summary>
    private protected List<T> MatchNames<T>(IReadOnlyList<T> items, Func<T, string> nameOf, string[]? names, string what, Func<string, ErrorRecord?>? notFound = null)
    {
        if (names is null || names.Length == 0) return [.. items];
        var found = new HashSet<int>();
        foreach (var name in names)
        {
            var hits = Matches(items, nameOf, name).ToList();
            if (hits.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name)) WriteError(notFound?.Invoke(name) ?? NotFound(name, what, items.Select(nameOf)));
            found.UnionWith(hits);
        }
        return found.Order().Select(i => items[i]).ToList();
    }

    private static IEnumerable<int> Matches<T>(IReadOnlyList<T> items, Func<T, string> nameOf, string name)
    {
        var indexes = Enumerable.Range(0, items.Count);
        if (WildcardPattern.ContainsWildcardCharacters(name))
        {
            var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
            return indexes.Where(i => pattern.IsMatch(nameOf(items[i])));
        }
        var exact = indexes.Where(i => string.Equals(nameOf(items[i]), name, StringComparison.Ordinal)).ToList();
        return exact.Count > 0 ? exact : indexes.Where(i => string.Equals(nameOf(items[i]), name, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The formations given, or every formation of the session when none were.</summary>
    private protected static IReadOnlyList<Formation> GivenOrAll(Formation[]? given) =>
        given is { Length: > 0 } ? given : Session.Formations;

    /// <summary>Case-insensitive wildcard patterns, or null when no filter was given.</summary>
    private protected static WildcardPattern[]? Patterns(string[]? values) =>
        values?.Select(v => new WildcardPattern(v, WildcardOptions.IgnoreCase)).ToArray();

    /// <summary>The formation a command acts on when none was named: the only one there is.</summary>
    private protected Formation SingleFormation()
    {
        var all = Session.Formations;
        if (all.Count == 1) return all[0];
        var message = all.Count == 0
            ? "No formation is running. Start one with Start-Formation."
            : $"Several formations are running ({string.Join(", ", all.Select(f => f.Name))}): name one with -Formation.";
        ThrowTerminatingError(new ErrorRecord(new InvalidOperationException(message), "FormationAmbiguous", ErrorCategory.InvalidArgument, null));
        return null!;
    }

    /// <summary>The Procfile's types, to judge -Scale by; null when it cannot be read (the plan then reports that first).</summary>
    private protected static string[]? ProcfileTypes(string procfile) => global::Formation.Engine.Configuration.Procfile.TryReadTypeNames(procfile);

    internal static ErrorRecord NotFound(string name, string what, IEnumerable<string> known)
    {
        var list = string.Join(", ", known);
        var message = $"No {what} named '{name}'." + (list.Length > 0 ? $" Known: {list}." : "");
        var id = what == "formation" ? "FormationNotFound" : "FormationProcessNotFound";
        return new ErrorRecord(new ItemNotFoundException(message), id, ErrorCategory.ObjectNotFound, name);
    }

    internal static ErrorRecord OperationError(Exception ex, string id, object? target) =>
        new(Errors.Translate(ex), id, ex is FormationConfigException ? ErrorCategory.InvalidData : ErrorCategory.InvalidOperation, target);
}
