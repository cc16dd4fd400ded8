using System.CommandLine;
using System.Globalization;
using Formation.Engine.Configuration;

namespace Formation.Cli;

/// <summary>The options <c>start</c>, <c>check</c> and <c>run</c> share, and how they become <see cref="FormationOptions"/>.</summary>
internal sealed class CliOptions
{
    public Option<string> Procfile { get; } = new("--procfile", "-f")
    {
        Description = "The Procfile to run.",
        DefaultValueFactory = _ => "Procfile",
        HelpName = "path",
    };

    public Option<string[]> EnvFiles { get; } = new("--env", "-e")
    {
        Description = ".env files, comma-separated or repeated; later wins. Default: .env beside the Procfile, if it exists.",
        HelpName = "files",
    };

    // -c and --concurrency: how older foreman and honcho spell it.
    public Option<string?> Formation { get; } = new("--formation", "-m", "-c", "--concurrency")
    {
        Description = "Instance counts, e.g. web=2,worker=3; all=N sets the default; 0 disables a type (-c, --concurrency: foreman's and honcho's spelling).",
        HelpName = "type=N,...",
    };

    public Option<int?> Port { get; } = new("--port", "-p")
    {
        Description = "Base port (default: formation.yml's port, then PORT from .env, then from the environment, then 5000).",
        HelpName = "port",
        CustomParser = r => int.TryParse(r.Tokens[0].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535
            ? port
            : Invalid<int?>(r, $"Invalid port '{r.Tokens[0].Value}' for -p/--port: use a whole number from 1 to 65535."),
    };

    public Option<string?> Root { get; } = new("--root", "-d")
    {
        Description = "Directory the processes run in (default: the Procfile's directory).",
        HelpName = "dir",
    };

    public Option<string?> Config { get; } = new("--config")
    {
        Description = "formation.yml with per-type options (default: formation.yml beside the Procfile, if it exists).",
        HelpName = "path",
    };

    public FormationOptions ToFormationOptions(ParseResult r, IReadOnlyList<string>? types = null) => new()
    {
        Procfile = r.GetValue(Procfile)!,
        Config = r.GetValue(Config),
        EnvFiles = SplitList(r.GetValue(EnvFiles)),
        Scale = ParseScale(r),
        Port = r.GetValue(Port),
        WorkingDirectory = r.GetValue(Root),
        Types = types,
    };

    /// <summary>
    /// Accepts only these values, with one line that names them when another is given (System.CommandLine's own
    /// message spans a line per value).
    /// </summary>
    internal static void AcceptOnly(Option option, string what, IReadOnlyList<string> shown, IEnumerable<string>? accepted = null)
    {
        var valid = new HashSet<string>(accepted ?? shown, StringComparer.Ordinal);
        option.CompletionSources.Add(shown.ToArray());
        option.Validators.Add(r =>
        {
            if (r.Tokens.Count > 0 && !valid.Contains(r.Tokens[0].Value))
                r.AddError($"Invalid {what} '{r.Tokens[0].Value}' for {option.Name}: use {string.Join(", ", shown.Take(shown.Count - 1))} or {shown[^1]}.");
        });
    }

    /// <summary>Adds a parse error (<c>formation: message</c>, exit code 2) and returns a placeholder value.</summary>
    internal static T? Invalid<T>(System.CommandLine.Parsing.ArgumentResult result, string message)
    {
        result.AddError(message);
        return default;
    }

    /// <summary>
    /// The counts of <c>-m</c>. The Procfile's types are read first, so that a name that is not a type is
    /// reported as such (listing the valid ones) before its count is judged. A Procfile that cannot be
    /// read is the first thing to fix: the plan reports it, and -m waits until then.
    /// </summary>
    private IReadOnlyDictionary<string, int> ParseScale(ParseResult r)
    {
        if (r.GetValue(Formation) is not { } spec) return new Dictionary<string, int>();
        return Engine.Configuration.Procfile.TryReadTypeNames(r.GetValue(Procfile)!) is { } types
            ? ScaleSpec.Parse(spec, types)
            : new Dictionary<string, int>();
    }

    /// <summary><c>-e a.env,b.env -e c.env</c> → [a.env, b.env, c.env]; null when not given.</summary>
    private static string[]? SplitList(string[]? values) =>
        values is null || values.Length == 0
            ? null
            : values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
}
