using System.Management.Automation;
using Formation.Engine.Configuration;

namespace Formation.PowerShell;

/// <summary>Which formations and processes a command names: wildcards, exact spellings, and the errors for names that match nothing.</summary>
public abstract partial class FormationCmdlet
{
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
