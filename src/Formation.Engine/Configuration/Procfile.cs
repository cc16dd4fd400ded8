using System.Text.RegularExpressions;

namespace Formation.Engine.Configuration;

/// <summary>One process type of a Procfile: <c>web: bundle exec puma</c>.</summary>
/// <param name="Name">The type name (<c>web</c>).</param>
/// <param name="Command">The command, run by the platform shell.</param>
/// <param name="Position">0-based position among the types, which fixes the type's ports.</param>
/// <param name="Line">1-based line in the Procfile.</param>
public sealed record ProcessType(string Name, string Command, int Position, int Line);

/// <summary>A parsed Procfile: process types in file order.</summary>
public sealed partial class Procfile
{
    private Procfile(string path, IReadOnlyList<ProcessType> types)
    {
        Path = path;
        Types = types;
    }

    /// <summary>A Procfile of these types, read from nowhere (a scripted test's formation).</summary>
    internal static Procfile Of(string path, IReadOnlyList<ProcessType> types) => new(path, types);

    /// <summary>The full path the Procfile was read from (or the name given to <see cref="Parse"/>).</summary>
    public string Path { get; }

    /// <summary>The process types, in the order the Procfile lists them.</summary>
    public IReadOnlyList<ProcessType> Types { get; }

    /// <summary>The type with that name (ordinal, case-sensitive as foreman is), or null.</summary>
    public ProcessType? Find(string name) => Types.FirstOrDefault(t => t.Name == name);

    /// <summary>Reads and parses a Procfile.</summary>
    /// <exception cref="FormationConfigException">The file is missing, unreadable or has invalid lines.</exception>
    public static Procfile Load(string path)
    {
        var (full, text) = ConfigFile.Read(path, "Procfile",
            "Create one (lines of 'type: command') or name another with -f/--procfile.", ConfigErrorKind.ProcfileNotFound);
        return Parse(text, full);
    }

    /// <summary>
    /// The names of the Procfile's types, or null when it cannot be read or is invalid: hosts judge
    /// <c>-m</c> / <c>-Scale</c> by them, and leave reporting a bad Procfile to the plan.
    /// </summary>
    public static string[]? TryReadTypeNames(string path)
    {
        try
        {
            return Load(path).Types.Select(t => t.Name).ToArray();
        }
        catch (Exception ex) when (ex is FormationException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Parses Procfile text with foreman's syntax <c>^([A-Za-z0-9_-]+):\s*(.+)$</c>. Blank lines and
    /// <c>#</c> comments are skipped; CRLF and a UTF-8 BOM are accepted. Unlike foreman, any other line
    /// and any duplicate name is an error.
    /// </summary>
    /// <exception cref="FormationConfigException">With one error per bad line.</exception>
    public static Procfile Parse(string text, string path)
    {
        ArgumentNullException.ThrowIfNull(text);
        var errors = ConfigText.NulErrors(text, path);
        if (errors.Count > 0) throw new FormationConfigException(errors);
        var types = new List<ProcessType>();
        // Case-insensitive: 'web' and 'Web' would be one name to a person, a file system and the cmdlets.
        var seen = new Dictionary<string, (string Name, int Line)>(StringComparer.OrdinalIgnoreCase);
        var lineNumber = 0;
        foreach (var raw in ConfigText.SplitLines(text))
        {
            lineNumber++;
            var line = lineNumber == 1 ? raw.TrimStart('\uFEFF') : raw;
            var trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed.StartsWith('#')) continue;

            var match = EntryPattern().Match(trimmed);
            if (!match.Success)
            {
                errors.Add(new ConfigError(path, lineNumber, DescribeBadLine(trimmed), ConfigText.Printable(line)));
                continue;
            }
            var name = match.Groups[1].Value;
            var command = match.Groups[2].Value.Trim();
            if (seen.TryGetValue(name, out var first))
            {
                errors.Add(new ConfigError(path, lineNumber, first.Name == name
                        ? $"Duplicate process type '{name}' (first defined on line {first.Line}). Give each type a unique name."
                        : $"Process type '{name}' differs from '{first.Name}' (line {first.Line}) only by case. Give each type a name that differs in more than case.",
                    ConfigText.Printable(line)));
                continue;
            }
            seen[name] = (name, lineNumber);
            types.Add(new ProcessType(name, command, types.Count, lineNumber));
        }

        if (errors.Count > 0) throw new FormationConfigException(errors);
        if (types.Count == 0)
        {
            throw new FormationConfigException(new ConfigError(path, 0,
                "The Procfile defines no process types. Add lines of the form 'type: command', for example 'web: ./server'."));
        }
        return new Procfile(path, types);
    }

    private static string DescribeBadLine(string line)
    {
        var colon = line.IndexOf(':');
        if (colon < 0)
            return "Not a process type: expected 'name: command' (a name of letters, digits, '_' or '-', then a colon and the command).";
        var name = line[..colon].Trim();
        if (name.Length == 0) return "Missing process type name before ':'. Write 'name: command'.";
        if (line[(colon + 1)..].Trim().Length == 0) return $"Process type '{name}' has no command. Write '{name}: command'.";
        return $"Invalid process type name '{name}': use only letters, digits, '_' and '-'.";
    }

    [GeneratedRegex(@"^([A-Za-z0-9_-]+):\s*(.+)$", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex EntryPattern();
}
