using System.Collections;
using System.Globalization;
using Formation.Engine.Os;

namespace Formation.Engine.Configuration;

/// <summary>A variable of the formation's environment and the layer it came from.</summary>
/// <param name="Value">The value.</param>
/// <param name="Source"><c>inherited</c>, <c>file:line</c> of a .env file, <c>parameter</c>, or <c>computed</c>.</param>
public sealed record EnvValue(string Value, string Source);

/// <summary>
/// A validated formation: the Procfile, the layered environment, the counts and the base port.
/// Building one checks everything that can be checked before a process starts.
/// </summary>
public sealed class FormationPlan
{
    /// <summary>The default base port when neither -p, .env nor the environment set PORT.</summary>
    public const int DefaultBasePort = 5000;

    /// <summary>Ports between types: a type at position N starts at base + N × 100.</summary>
    public const int PortsPerType = 100;

    private FormationPlan(
        string name, Procfile procfile, string workingDirectory, IReadOnlyDictionary<string, EnvValue> environment,
        IReadOnlyDictionary<string, int> counts, int basePort, string basePortSource, int stopSignal, FormationOptions options)
    {
        Name = name;
        Procfile = procfile;
        WorkingDirectory = workingDirectory;
        Environment = environment;
        Counts = counts;
        BasePort = basePort;
        BasePortSource = basePortSource;
        StopSignal = stopSignal;
        Options = options;
    }

    public string Name { get; }
    public Procfile Procfile { get; }
    public string WorkingDirectory { get; }

    /// <summary>The shared environment (before PORT and the identity variables), with provenance.</summary>
    public IReadOnlyDictionary<string, EnvValue> Environment { get; }

    /// <summary>Initial instance count per type, in Procfile order.</summary>
    public IReadOnlyDictionary<string, int> Counts { get; }

    public int BasePort { get; }

    /// <summary>Where the base port came from: <c>option</c>, <c>file:line</c>, <c>inherited</c> or <c>default</c>.</summary>
    public string BasePortSource { get; }

    /// <summary>The stop signal's number on this platform.</summary>
    public int StopSignal { get; }

    public FormationOptions Options { get; }

    /// <summary>PORT of an instance: base + 100 × (type's position) + (index − 1).</summary>
    public int PortFor(ProcessType type, int index) => BasePort + PortsPerType * type.Position + (index - 1);

    /// <summary>The highest index a type can have before its ports run out or reach the next type's.</summary>
    public int MaxIndex(ProcessType type) => Math.Min(PortsPerType, 65535 - BasePort - PortsPerType * type.Position + 1);

    /// <summary>The full environment of one instance: the shared layers, then PORT and the identity variables.</summary>
    public Dictionary<string, string> EnvironmentFor(ProcessType type, int index)
    {
        var env = new Dictionary<string, string>(Environment.Count + 6, StringComparer.Ordinal);
        foreach (var (k, v) in Environment) env[k] = v.Value;
        var name = $"{type.Name}.{index}";
        env["PORT"] = PortFor(type, index).ToString(CultureInfo.InvariantCulture);
        env["PS"] = name;
        env["FORMATION_PROCESS"] = name;
        env["FORMATION_TYPE"] = type.Name;
        env["FORMATION_INSTANCE"] = index.ToString(CultureInfo.InvariantCulture);
        env["FORMATION_NAME"] = Name;
        return env;
    }

    /// <summary>Reads and checks the Procfile, .env files and options.</summary>
    /// <exception cref="FormationConfigException">With every problem found.</exception>
    public static FormationPlan Create(FormationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var procfile = Procfile.Load(options.Procfile);
        var procfileDir = Path.GetDirectoryName(procfile.Path)!;
        var errors = new List<ConfigError>();

        var env = LayerEnvironment(options, procfileDir, errors);
        var counts = ResolveCounts(procfile, options, errors);
        var (basePort, portSource) = ResolveBasePort(options, env, errors);

        var stopSignal = Signals.TryParse(options.StopSignal);
        if (stopSignal is null || !Signals.StopSignals.Contains(Signals.Name(stopSignal.Value)[3..]))
        {
            errors.Add(new ConfigError(null, 0,
                $"Invalid stop signal '{options.StopSignal}': use one of {string.Join(", ", Signals.StopSignals)}."));
        }
        if (options.StopTimeout < TimeSpan.Zero)
            errors.Add(new ConfigError(null, 0, $"Invalid stop timeout {options.StopTimeout}: use 0 seconds or more."));

        var workingDirectory = Path.GetFullPath(options.WorkingDirectory ?? procfileDir);
        if (!Directory.Exists(workingDirectory))
            errors.Add(new ConfigError(null, 0, $"Working directory '{workingDirectory}' does not exist. Create it or pass another with -d."));

        if (errors.Count > 0) throw new FormationConfigException(errors);

        var plan = new FormationPlan(
            options.Name ?? DefaultName(procfileDir), procfile, workingDirectory, env, counts, basePort, portSource,
            stopSignal!.Value, options);
        plan.CheckPorts(errors);
        if (errors.Count > 0) throw new FormationConfigException(errors);
        return plan;
    }

    /// <summary>Checks that a type can have <paramref name="count"/> instances within its port range.</summary>
    public ConfigError? CheckCount(ProcessType type, int count)
    {
        if (count < 0) return new ConfigError(null, 0, $"Invalid count {count} for '{type.Name}': use 0 or more.");
        var max = MaxIndex(type);
        if (count <= max) return null;
        return new ConfigError(null, 0,
            $"'{type.Name}' cannot run {count} instances with base port {BasePort} ({BasePortSource}): " +
            $"its ports start at {PortFor(type, 1)} and at most {Math.Max(max, 0)} fit below the next type's range and 65535. " +
            "Use a lower base port (-p) or fewer instances.");
    }

    private void CheckPorts(List<ConfigError> errors)
    {
        foreach (var type in Procfile.Types)
            if (Counts[type.Name] > 0 && CheckCount(type, Counts[type.Name]) is { } error) errors.Add(error);
    }

    private static string DefaultName(string dir)
    {
        var name = Path.GetFileName(dir.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        return string.IsNullOrEmpty(name) ? "formation" : name;
    }

    /// <summary>
    /// The layered environment without a Procfile (for <c>formation run</c>): inherited &lt; .env files
    /// (default: <c>.env</c> in <paramref name="directory"/>) &lt; explicit values.
    /// </summary>
    /// <exception cref="FormationConfigException">A .env file is missing or malformed.</exception>
    public static IReadOnlyDictionary<string, EnvValue> LoadEnvironment(FormationOptions options, string directory)
    {
        var errors = new List<ConfigError>();
        var env = LayerEnvironment(options, Path.GetFullPath(directory), errors);
        if (errors.Count > 0) throw new FormationConfigException(errors);
        return env;
    }

    private static Dictionary<string, EnvValue> LayerEnvironment(FormationOptions options, string procfileDir, List<ConfigError> errors)
    {
        var env = new Dictionary<string, EnvValue>(StringComparer.Ordinal);
        if (options.InheritedEnvironment is { } inherited)
        {
            foreach (var (k, v) in inherited) env[k] = new EnvValue(v, "inherited");
        }
        else
        {
            foreach (DictionaryEntry e in System.Environment.GetEnvironmentVariables())
                env[(string)e.Key] = new EnvValue((string?)e.Value ?? "", "inherited");
        }

        IEnumerable<string> files = options.EnvFiles ?? (File.Exists(Path.Combine(procfileDir, ".env"))
            ? [Path.Combine(procfileDir, ".env")]
            : []);
        foreach (var file in files)
        {
            try
            {
                foreach (var entry in DotEnv.Load(file, k => env.TryGetValue(k, out var v) ? v.Value : null))
                    env[entry.Key] = new EnvValue(entry.Value, $"{entry.File}:{entry.Line}");
            }
            catch (FormationConfigException ex)
            {
                errors.AddRange(ex.Errors);
            }
        }

        if (options.Environment is { } explicitValues)
            foreach (var (k, v) in explicitValues) env[k] = new EnvValue(v, "parameter");
        return env;
    }

    private static Dictionary<string, int> ResolveCounts(Procfile procfile, FormationOptions options, List<ConfigError> errors)
    {
        var scale = options.Scale ?? new Dictionary<string, int>();
        var selected = options.Types is { Count: > 0 } types ? types : null;
        var valid = string.Join(", ", procfile.Types.Select(t => t.Name));

        foreach (var name in selected ?? [])
            if (procfile.Find(name) is null)
                errors.Add(new ConfigError(null, 0, $"Unknown process type '{name}'. Valid types: {valid}."));
        foreach (var (name, count) in scale)
        {
            if (name != ScaleSpec.All && procfile.Find(name) is null)
                errors.Add(new ConfigError(null, 0, $"Unknown process type '{name}' in the formation. Valid types: {valid} (or 'all')."));
            if (count < 0)
                errors.Add(new ConfigError(null, 0, $"Invalid count {count} for '{name}' in the formation: use 0 or more."));
        }

        var fallback = scale.TryGetValue(ScaleSpec.All, out var all) ? all : 1;
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var type in procfile.Types)
        {
            var count = scale.TryGetValue(type.Name, out var n) ? n : fallback;
            if (selected is not null && !selected.Contains(type.Name)) count = 0;
            counts[type.Name] = Math.Max(count, 0);
        }
        return counts;
    }

    private static (int Port, string Source) ResolveBasePort(FormationOptions options, Dictionary<string, EnvValue> env, List<ConfigError> errors)
    {
        if (options.Port is { } p)
        {
            if (p is < 1 or > 65535) errors.Add(new ConfigError(null, 0, $"Invalid base port {p}: use 1 to 65535."));
            return (p, "option");
        }
        if (!env.TryGetValue("PORT", out var value)) return (DefaultBasePort, "default");
        if (int.TryParse(value.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535)
            return (port, value.Source);

        var (file, line) = SplitSource(value.Source);
        errors.Add(new ConfigError(file, line,
            $"PORT '{value.Value}' ({(file is null ? value.Source : "set here")}) is not a port number: use 1 to 65535, or pass -p."));
        return (DefaultBasePort, "default");
    }

    private static (string? File, int Line) SplitSource(string source)
    {
        var colon = source.LastIndexOf(':');
        return colon > 0 && int.TryParse(source[(colon + 1)..], out var line) ? (source[..colon], line) : (null, 0);
    }
}
