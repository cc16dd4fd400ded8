using System.Text.RegularExpressions;
using Formation.Engine.Configuration;

namespace Formation.Engine.Export;

/// <summary>
/// The formation as an export sees it: the plan built without the exporting machine's environment (only
/// .env files, formation.yml's env and explicit values reach the output), the .env files to reference,
/// and the variables that are not in any .env file, split by the secret-name rule.
/// </summary>
internal sealed partial class ExportSource
{
    private ExportSource(FormationPlan plan, IReadOnlyList<string> envFiles)
    {
        Plan = plan;
        EnvFiles = envFiles;
    }

    public FormationPlan Plan { get; }

    /// <summary>The .env files, full paths, later wins.</summary>
    public IReadOnlyList<string> EnvFiles { get; }

    /// <summary>The app's name: formation.yml's or the option's name, else the Procfile's directory.</summary>
    public string App => Plan.Name;

    /// <summary>The types that run (count above 0), in Procfile order.</summary>
    public IEnumerable<TypeSettings> Types => Plan.Procfile.Types.Where(t => Plan.Counts[t.Name] > 0).Select(Plan.Settings);

    /// <exception cref="FormationConfigException">The Procfile, formation.yml, a .env file or an option is invalid.</exception>
    public static ExportSource Create(FormationOptions options)
    {
        var plan = FormationPlan.Create(options with { InheritedEnvironment = new Dictionary<string, string>() });
        var dir = Path.GetDirectoryName(plan.Procfile.Path)!;
        var defaultEnv = Path.Combine(dir, ".env");
        IEnumerable<string> files = options.EnvFiles ?? (File.Exists(defaultEnv) ? [defaultEnv] : []);
        return new ExportSource(plan, files.Select(f => Path.GetFullPath(f)).ToArray());
    }

    /// <summary>Whether a variable's name looks secret: the rule Get-FormationEnvironment masks by.</summary>
    public static bool IsSecret(string name) => Secrets.IsSecretName(name);

    /// <summary>
    /// A warning for each variable whose name not every target accepts (letters, digits and '_', not starting
    /// with a digit): the export writes no value for it.
    /// </summary>
    public IEnumerable<ExportWarning> NameWarnings() =>
        Plan.Environment.Keys.Concat(Types.SelectMany(t => t.Env.Keys)).Distinct().Where(n => !Portable(n)).Order(StringComparer.Ordinal)
            .Select(n => new ExportWarning(null, $"env.{n}", "not a variable name that systemd, Compose and Kubernetes all accept (letters, digits, '_'): no value is written for it."));

    /// <summary>The variables of a type that no .env file holds: formation.yml's env (shared, then the type's) and explicit values.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> VariablesOutsideFiles(TypeSettings type)
    {
        var env = new Dictionary<string, EnvValue>(Plan.Environment, StringComparer.Ordinal);
        foreach (var (k, v) in type.Env) env[k] = v;
        return env.Where(kv => kv.Key != "PORT" && Portable(kv.Key) && !FromEnvFile(kv.Value))
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => KeyValuePair.Create(kv.Key, kv.Value.Value)).ToArray();
    }

    /// <summary>The variables every type shares (.env files, formation.yml's env, explicit values), without PORT.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> SharedVariables() =>
        Plan.Environment.Where(kv => kv.Key != "PORT" && Portable(kv.Key)).OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => KeyValuePair.Create(kv.Key, kv.Value.Value)).ToArray();

    /// <summary>The variables formation.yml sets for this type alone.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> TypeVariables(TypeSettings type) =>
        type.Env.Where(kv => kv.Key != "PORT" && Portable(kv.Key)).OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => KeyValuePair.Create(kv.Key, kv.Value.Value)).ToArray();

    /// <summary>
    /// A warning for each line of a referenced .env file that the target reads differently from Formation:
    /// <c>export NAME=</c>, or a <c>$NAME</c> / <c>${NAME}</c> that Formation expands and the target keeps as written.
    /// </summary>
    public IEnumerable<ExportWarning> LiteralEnvFileWarnings(string target)
    {
        foreach (var file in EnvFiles)
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines(file);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue; // the plan read it a moment ago; nothing to warn about if it went away
            }
            for (var i = 0; i < lines.Length; i++)
            {
                var line = lines[i].TrimStart();
                if (line.StartsWith('#')) continue;
                if (line.StartsWith("export ", StringComparison.Ordinal))
                    yield return new ExportWarning(null, "env_file", $"{file}:{i + 1}: {target} does not read 'export NAME=': drop 'export'.");
                else if (Reference().IsMatch(line) && !line.Contains("='", StringComparison.Ordinal))
                    yield return new ExportWarning(null, "env_file", $"{file}:{i + 1}: {target} reads the value as written, without expanding $NAME as Formation does.");
            }
        }
    }

    [GeneratedRegex(@"=.*\$(\{|[A-Za-z_])", RegexOptions.CultureInvariant)]
    private static partial Regex Reference();

    private static bool Portable(string name) => PortableName().IsMatch(name);

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex PortableName();

    private bool FromEnvFile(EnvValue value)
    {
        var colon = value.Source.LastIndexOf(':');
        return colon > 0 && EnvFiles.Contains(value.Source[..colon], StringComparer.Ordinal);
    }
}
