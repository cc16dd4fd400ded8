using System.Collections.Concurrent;
using System.Management.Automation;
using Formation.Engine.Configuration;
using Formation.Engine.Supervision;

namespace Formation.PowerShell;

/// <summary>
/// The base of every Formation cmdlet: a token that <see cref="StopProcessing"/> cancels and every engine
/// call takes, path resolution through PowerShell's provider, and formation lookup with wildcards.
/// </summary>
public abstract class FormationCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _cancel = new();

    protected CancellationToken CancelToken => _cancel.Token;

    internal static FormationEngine Engine => FormationRegistry.Engine;

    protected override void StopProcessing() => _cancel.Cancel();

    public void Dispose()
    {
        _cancel.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>A path relative to PowerShell's current location (<c>$PWD</c>), not the process's directory.</summary>
    protected string ResolvePath(string path) => SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);

    /// <summary>Waits for an engine task on the pipeline thread; Ctrl+C stops the wait.</summary>
    protected T Await<T>(Task<T> task)
    {
        try
        {
            return task.WaitAsync(CancelToken).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (CancelToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    /// <summary>Waits for an engine task on the pipeline thread; Ctrl+C stops the wait.</summary>
    protected void Await(Task task) => Await(task.ContinueWith(t => t.GetAwaiter().GetResult(), TaskScheduler.Default));

    /// <summary>Formations whose names match any of the patterns (all when none); an error for each plain name that matches nothing.</summary>
    protected List<ProcessFormation> FindFormations(string[]? names) => MatchNames(Engine.Formations, f => f.Name, names, "formation");

    /// <summary>
    /// The items whose name matches any of the patterns (all when none are given), each once, in the items'
    /// order; a FormationNotFound or FormationProcessNotFound error for each plain name (no wildcard) that
    /// matches nothing.
    /// </summary>
    protected List<T> MatchNames<T>(IReadOnlyList<T> items, Func<T, string> nameOf, string[]? names, string what)
    {
        if (names is null || names.Length == 0) return [.. items];
        var patterns = Patterns(names)!;
        var found = items.Where(item => patterns.Any(p => p.IsMatch(nameOf(item)))).ToList();
        foreach (var name in names)
        {
            if (!WildcardPattern.ContainsWildcardCharacters(name) && !found.Exists(item => string.Equals(nameOf(item), name, StringComparison.OrdinalIgnoreCase)))
                WriteError(NotFound(name, what, items.Select(nameOf)));
        }
        return found;
    }

    /// <summary>The formations given, or every formation of the session when none were.</summary>
    protected static IReadOnlyList<ProcessFormation> GivenOrAll(ProcessFormation[]? given) =>
        given is { Length: > 0 } ? given : Engine.Formations;

    /// <summary>Case-insensitive wildcard patterns, or null when no filter was given.</summary>
    protected static WildcardPattern[]? Patterns(string[]? values) =>
        values?.Select(v => new WildcardPattern(v, WildcardOptions.IgnoreCase)).ToArray();

    /// <summary>The formation a command acts on when none was named: the only one there is.</summary>
    protected ProcessFormation SingleFormation()
    {
        var all = Engine.Formations;
        if (all.Count == 1) return all[0];
        var message = all.Count == 0
            ? "No formation is running. Start one with Start-Formation."
            : $"Several formations are running ({string.Join(", ", all.Select(f => f.Name))}): name one with -Formation.";
        ThrowTerminatingError(new ErrorRecord(new FormationException(message), "FormationAmbiguous", ErrorCategory.InvalidArgument, null));
        return null!;
    }

    /// <summary>
    /// Adds a line for the pipeline thread to write, waiting while the queue is full; a line that arrives
    /// after the queue was completed or disposed (a stray process writing after the end) is dropped quietly
    /// rather than thrown into the formation's event dispatcher.
    /// </summary>
    internal static void Offer<T>(BlockingCollection<T> queue, T item)
    {
        try
        {
            if (!queue.IsAddingCompleted) queue.Add(item);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
        {
        }
    }

    internal static ErrorRecord NotFound(string name, string what, IEnumerable<string> known)
    {
        var list = string.Join(", ", known);
        var message = $"No {what} named '{name}'." + (list.Length > 0 ? $" Known: {list}." : "");
        var id = what == "formation" ? "FormationNotFound" : "FormationProcessNotFound";
        return new ErrorRecord(new ItemNotFoundException(message), id, ErrorCategory.ObjectNotFound, name);
    }

    /// <summary>One error record for invalid configuration, naming every problem.</summary>
    internal static ErrorRecord ConfigError(FormationConfigException ex, string id, object? target) =>
        new(ex, id, ErrorCategory.InvalidData, target);

    internal static ErrorRecord OperationError(Exception ex, string id, object? target) =>
        new(ex, id, ex is FormationConfigException ? ErrorCategory.InvalidData : ErrorCategory.InvalidOperation, target);
}
