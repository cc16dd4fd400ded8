using System.CommandLine;
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

    public Option<string?> Formation { get; } = new("--formation", "-m")
    {
        Description = "Instance counts, e.g. web=2,worker=3; all=N sets the default; 0 disables a type.",
        HelpName = "type=N,...",
    };

    public Option<int?> Port { get; } = new("--port", "-p")
    {
        Description = "Base port (default: formation.yml's port, then PORT from .env, then from the environment, then 5000).",
        HelpName = "port",
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
        Scale = ScaleSpec.Parse(r.GetValue(Formation)),
        Port = r.GetValue(Port),
        WorkingDirectory = r.GetValue(Root),
        Types = types,
    };

    /// <summary><c>-e a.env,b.env -e c.env</c> → [a.env, b.env, c.env]; null when not given.</summary>
    private static string[]? SplitList(string[]? values) =>
        values is null || values.Length == 0
            ? null
            : values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
}
