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
    /// <exception cref="FormationConfigException">A pair is malformed or a count is negative or not a number.</exception>
    public static IReadOnlyDictionary<string, int> Parse(string? spec)
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
            {
                errors.Add(new ConfigError(null, 0, $"Invalid formation entry '{part}': write type=count, for example web=2,worker=3 or all=1."));
                continue;
            }
            if (!int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                errors.Add(new ConfigError(null, 0, $"Invalid count '{count}' for '{name}' in the formation: use a whole number 0 or more."));
                continue;
            }
            result[name] = n;
        }
        if (errors.Count > 0) throw new FormationConfigException(errors);
        return result;
    }
}
