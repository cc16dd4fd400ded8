using System.Globalization;

namespace Formation.Engine.Configuration;

/// <summary>Parses foreman's formation syntax: <c>web=2,worker=3</c>, with <c>all=N</c> for the default.</summary>
public static class ScaleSpec
{
    /// <summary>The key that sets the count of every type not named.</summary>
    public const string All = "all";

    /// <summary>The one expansion of <c>all=N</c>: the count named for the type, else all's, else null.</summary>
    public static int? CountFor(IReadOnlyDictionary<string, int> counts, string type) =>
        counts.TryGetValue(type, out var n) ? n : counts.TryGetValue(All, out var all) ? all : null;

    /// <summary>Parses <c>type=N</c> pairs separated by commas (whitespace allowed).</summary>
    /// <param name="spec">The formation, e.g. <c>web=2,worker=3</c>.</param>
    /// <param name="types">The Procfile's types, when known: a name that is none of them (nor <c>all</c>) is
    /// reported as an unknown type, listing the valid ones, and its count is not judged.</param>
    /// <exception cref="FormationConfigException">A pair is malformed, names an unknown type, or its count is negative or not a number.</exception>
    public static IReadOnlyDictionary<string, int> Parse(string? spec, IReadOnlyCollection<string>? types = null)
    {
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(spec)) return result;
        var errors = new List<ConfigError>();
        foreach (var part in spec.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=');
            var name = eq < 0 ? part : part[..eq].Trim();
            var count = eq < 0 ? "" : part[(eq + 1)..].Trim();
            if (eq < 0 || name.Length == 0)
                errors.Add(new ConfigError(null, 0, $"Invalid formation entry '{part}': write type=count, for example web=2,worker=3 or all=1."));
            else if (types is not null && name != All && !types.Contains(name))
                errors.Add(UnknownType(name, types));
            else if (!int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                errors.Add(new ConfigError(null, 0, $"Invalid count '{count}' for '{name}' in the formation: use a whole number 0 or more."));
            else
                result[name] = n;
        }
        if (errors.Count > 0) throw new FormationConfigException(errors);
        return result;
    }

    /// <summary>The error for a formation entry that names no process type of the Procfile.</summary>
    public static ConfigError UnknownType(string name, IEnumerable<string> types) =>
        new(null, 0, $"Unknown process type '{name}' in the formation. Valid types: {string.Join(", ", types)} (or '{All}').") { Kind = ConfigErrorKind.UnknownType };
}
