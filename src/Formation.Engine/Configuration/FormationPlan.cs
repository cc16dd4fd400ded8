using System.Collections;
using System.Globalization;
using Formation.Engine.Os;

namespace Formation.Engine.Configuration;

/// <summary>A variable of the formation's environment and the layer it came from.</summary>
/// <param name="Value">The value.</param>
/// <param name="Source"><c>inherited</c>, <c>file:line</c> of a .env file or formation.yml, <c>parameter</c>, or <c>computed</c>.</param>
public sealed record EnvValue(string Value, string Source)
{
    public const string Inherited = "inherited";
    public const string Parameter = "parameter";
    public const string Computed = "computed";
}

/// <summary>
/// A validated formation: the Procfile, formation.yml, the layered environment, the counts and ports,
/// and every type's effective settings. Building one checks everything that can be checked before a
/// process starts.
/// </summary>
public sealed class FormationPlan
{
    /// <summary>The default base port when neither -p, formation.yml, .env nor the environment set PORT.</summary>
    public const int DefaultBasePort = 5000;

    /// <summary>Ports between types: a type at position N starts at base + N × 100.</summary>
    public const int PortsPerType = 100;

    private readonly IReadOnlyDictionary<string, EnvValue> _baseEnvironment;
    private readonly IReadOnlyDictionary<string, string> _explicit;
    private readonly Dictionary<string, TypeSettings> _settings;

    private FormationPlan(FormationOptions options, Procfile procfile, FormationConfig? config, string name, string workingDirectory,
        IReadOnlyDictionary<string, EnvValue> baseEnvironment, IReadOnlyDictionary<string, string> explicitValues,
        int basePort, string basePortSource, Dictionary<string, TypeSettings> settings, string? marker = null)
    {
        Options = options;
        Marker = marker ?? $"{System.Environment.ProcessId}-{Guid.NewGuid():N}";
        Procfile = procfile;
        Config = config;
        Name = name;
        WorkingDirectory = workingDirectory;
        _baseEnvironment = baseEnvironment;
        _explicit = explicitValues;
        BasePort = basePort;
        BasePortSource = basePortSource;
        _settings = settings;
        Counts = procfile.Types.ToDictionary(t => t.Name, t => settings[t.Name].Count);
    }

    public FormationOptions Options { get; }

    /// <summary>
    /// Marks every process of this run (<c>FORMATION_ID</c> in its environment), so that what left its
    /// process group can still be found and stopped with the formation.
    /// </summary>
    public string Marker { get; }
    public string Name { get; }
    public Procfile Procfile { get; }

    /// <summary>formation.yml, when there is one.</summary>
    public FormationConfig? Config { get; }

    public string WorkingDirectory { get; }
    public int BasePort { get; }

    /// <summary>Where the base port came from: <c>option</c>, <c>file:line</c>, <c>inherited</c> or <c>default</c>.</summary>
    public string BasePortSource { get; }

    /// <summary>The environment every process shares (inherited, .env files, formation.yml's env, explicit values), with provenance.</summary>
    public IReadOnlyDictionary<string, EnvValue> Environment
    {
        get
        {
            var env = new Dictionary<string, EnvValue>(_baseEnvironment, StringComparer.Ordinal);
            foreach (var (k, v) in _explicit) env[k] = new EnvValue(v, EnvValue.Parameter);
            return env;
        }
    }

    /// <summary>Initial instance count per type, in Procfile order.</summary>
    public IReadOnlyDictionary<string, int> Counts { get; }

    /// <summary>
    /// Whether a stop goes in reverse start order (dependents first) when some type has <c>after</c>:
    /// <see cref="FormationOptions.OrderedStop"/>, else formation.yml's <c>ordered_stop</c>, else true.
    /// </summary>
    public bool OrderedStop => Options.OrderedStop ?? Config?.OrderedStop ?? true;

    /// <summary>The initial instances, in Procfile order then by index: <c>(web, 1)</c> is web.1.</summary>
    public IEnumerable<(ProcessType Type, int Index)> Instances() =>
        Procfile.Types.SelectMany(t => Enumerable.Range(1, Counts[t.Name]).Select(i => (t, i)));

    public TypeSettings Settings(ProcessType type) => _settings[type.Name];

    /// <summary>
    /// The longest a stop of the formation takes. In reverse start order (<see cref="OrderedStop"/>), a type stops once
    /// everything after it is gone, so the sum along the longest <c>after</c> chain of each type's stop timeout (or
    /// <paramref name="timeout"/>) plus the wait for SIGKILL to take (<see cref="TypeSettings.KillWait"/>); at once, the longest of them.
    /// </summary>
    public TimeSpan LongestStop(TimeSpan? timeout = null)
    {
        var done = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        TimeSpan Finish(ProcessType type)
        {
            if (done.TryGetValue(type.Name, out var known)) return known;
            var step = (timeout ?? _settings[type.Name].StopTimeout) + TypeSettings.KillWait;
            var after = OrderedStop
                ? Procfile.Types.Where(t => _settings[t.Name].After.Contains(type.Name)).Select(Finish).DefaultIfEmpty(TimeSpan.Zero).Max()
                : TimeSpan.Zero;
            return done[type.Name] = step + after;
        }
        return Procfile.Types.Select(Finish).DefaultIfEmpty(TimeSpan.Zero).Max();
    }

    /// <summary>The stop signal of the first type (the formation-wide one unless formation.yml sets it per type).</summary>
    public int StopSignal => _settings[Procfile.Types[0].Name].StopSignal;

    /// <summary>PORT of an instance: the type's base + (index − 1); null for a type with <c>port: none</c>.</summary>
    public int? PortFor(ProcessType type, int index) => _settings[type.Name].BasePort is { } b ? b + index - 1 : null;

    /// <summary>The most instances any type may have.</summary>
    public const int MaxInstances = 10_000;

    /// <summary>
    /// The highest index a type can have: its ports must stay below 65536 and, unless it is the last type
    /// in the Procfile or has a port of its own, below the next type's range (100 apart).
    /// </summary>
    public int MaxIndex(ProcessType type)
    {
        var s = _settings[type.Name];
        if (s.BasePort is not { } b) return MaxInstances;
        var last = type.Position == Procfile.Types.Count - 1;
        var range = s.FixedPort || last ? MaxInstances : PortsPerType;
        return Math.Min(range, 65535 - b + 1);
    }

    /// <summary>The full environment of one instance, with where each value came from.</summary>
    public Dictionary<string, EnvValue> EnvironmentWithSources(ProcessType type, int index)
    {
        var env = new Dictionary<string, EnvValue>(_baseEnvironment, StringComparer.Ordinal);
        foreach (var (k, v) in _settings[type.Name].Env) env[k] = v;
        foreach (var (k, v) in _explicit) env[k] = new EnvValue(v, EnvValue.Parameter);
        var name = InstanceName.Of(type.Name, index);
        if (PortFor(type, index) is { } port) env["PORT"] = Computed(port.ToString(CultureInfo.InvariantCulture));
        else env.Remove("PORT");
        env["PS"] = Computed(name);
        env["FORMATION_PROCESS"] = Computed(name);
        env["FORMATION_TYPE"] = Computed(type.Name);
        env["FORMATION_INSTANCE"] = Computed(index.ToString(CultureInfo.InvariantCulture));
        env["FORMATION_NAME"] = Computed(Name);
        env[Escapes.MarkerVariable] = Computed(Marker);
        return env;

        static EnvValue Computed(string value) => new(value, EnvValue.Computed);
    }

    /// <summary>The full environment of one instance: the shared layers, formation.yml's for the type, explicit values, then PORT and the identity variables.</summary>
    public Dictionary<string, string> EnvironmentFor(ProcessType type, int index) =>
        EnvironmentWithSources(type, index).ToDictionary(kv => kv.Key, kv => kv.Value.Value, StringComparer.Ordinal);

    /// <summary>Checks that a type can have <paramref name="count"/> instances within its port range.</summary>
    public ConfigError? CheckCount(ProcessType type, int count)
    {
        if (count < 0) return new ConfigError(null, 0, $"Invalid count {count} for '{type.Name}': use 0 or more.");
        var max = MaxIndex(type);
        if (count <= max) return null;
        var s = _settings[type.Name];
        return new ConfigError(null, 0,
            $"'{type.Name}' cannot run {count} instances with base port {BasePort} ({BasePortSource}): " +
            $"its ports start at {s.BasePort} and at most {Math.Max(max, 0)} fit " +
            (type.Position == Procfile.Types.Count - 1 || s.FixedPort ? "below 65536. " : "below the next type's range and 65536. ") +
            "Use a lower base port (-p) or fewer instances.");
    }

    /// <summary>
    /// A plan of ready-made type settings, with no files and an empty environment: a scripted history's formation
    /// (the same loop, the same policy, no Procfile on disk).
    /// </summary>
    internal static FormationPlan Scripted(string name, IReadOnlyList<TypeSettings> types, FormationOptions options, string? marker = null)
    {
        var procfile = Procfile.Of("/scripted/Procfile", types.Select(t => t.Type).ToArray());
        return new FormationPlan(options, procfile, null, name, "/", new Dictionary<string, EnvValue>(), new Dictionary<string, string>(),
            DefaultBasePort, "default", types.ToDictionary(t => t.Type.Name, StringComparer.Ordinal), marker);
    }

    /// <summary>Reads and checks the Procfile, formation.yml, .env files and options.</summary>
    /// <exception cref="FormationConfigException">With every problem found.</exception>
    public static FormationPlan Create(FormationOptions options) => Create(options, marker: null);

    /// <summary>
    /// The plan of a running formation read again from its files (a reload): the same options, name, marker and
    /// inherited environment (captured when the formation started); the Procfile, formation.yml and .env files as they are now.
    /// </summary>
    /// <exception cref="FormationConfigException">With every problem found in the files as they are now.</exception>
    public FormationPlan Reread() => Create(Options with { Name = Name }, Marker);

    private static FormationPlan Create(FormationOptions options, string? marker)
    {
        ArgumentNullException.ThrowIfNull(options);
        // What the processes inherit is read once; the plan's options keep it, so a reload sees the same.
        options = options.InheritedEnvironment is null ? options with { InheritedEnvironment = CurrentEnvironment() } : options;
        var procfile = Procfile.Load(options.Procfile);
        var procfileDir = Path.GetDirectoryName(procfile.Path)!;
        var errors = new List<ConfigError>();

        var config = LoadConfig(options, procfile, procfileDir, errors);
        var env = LayerEnvironment(options, procfileDir, errors);
        foreach (var e in config?.Env ?? []) env[e.Key] = new EnvValue(e.Value, $"{e.File}:{e.Line}");
        var explicitValues = options.Environment ?? new Dictionary<string, string>();
        var (basePort, portSource) = ResolveBasePort(options, config, env, explicitValues, errors);

        if (options.StopSignal is { } sig && !IsStopSignal(sig))
            errors.Add(new ConfigError(null, 0, $"Invalid stop signal '{options.StopSignal}': use one of {string.Join(", ", Signals.StopSignals)}."));
        if (options.StopTimeout is { } stopTimeout && !Duration.InRange(stopTimeout))
            errors.Add(new ConfigError(null, 0, $"Invalid stop timeout {Duration.Format(stopTimeout)}: use {Duration.Grammar}."));
        var workingDirectory = Path.GetFullPath(options.WorkingDirectory ?? procfileDir);
        if (!Directory.Exists(workingDirectory))
            errors.Add(new ConfigError(null, 0, File.Exists(workingDirectory)
                ? $"Working directory '{workingDirectory}' is a file, not a directory. Pass a directory with -d."
                : $"Working directory '{workingDirectory}' does not exist. Create it or pass another with -d."));
        if (errors.Count > 0) throw new FormationConfigException(errors);

        var counts = ResolveCounts(procfile, options, config, errors);
        var settings = new Dictionary<string, TypeSettings>(StringComparer.Ordinal);
        foreach (var type in procfile.Types)
            settings[type.Name] = ResolveSettings(type, options, config, counts[type.Name], basePort, workingDirectory, procfileDir, errors);

        var plan = new FormationPlan(options, procfile, config, options.Name ?? config?.Name ?? DefaultName(procfileDir), workingDirectory,
            env, explicitValues, basePort, portSource, settings, marker);
        foreach (var type in procfile.Types)
            if (counts[type.Name] > 0 && plan.CheckCount(type, counts[type.Name]) is { } error) errors.Add(error);
        if (errors.Count > 0) throw new FormationConfigException(errors);
        return plan;
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
        foreach (var (k, v) in options.Environment ?? new Dictionary<string, string>()) env[k] = new EnvValue(v, EnvValue.Parameter);
        return env;
    }

    private static bool IsStopSignal(string name) =>
        Signals.TryParse(name) is { } n && Signals.StopSignals.Contains(Signals.Name(n)[3..]);

    private static FormationConfig? LoadConfig(FormationOptions options, Procfile procfile, string procfileDir, List<ConfigError> errors)
    {
        string? path = options.Config switch
        {
            null => File.Exists(Path.Combine(procfileDir, FormationConfig.DefaultFileName)) ? Path.Combine(procfileDir, FormationConfig.DefaultFileName) : null,
            "" => null,
            var given => given,
        };
        if (path is null) return null;
        try
        {
            return FormationConfig.Load(path, procfile);
        }
        catch (FormationConfigException ex)
        {
            errors.AddRange(ex.Errors);
            return null;
        }
    }

    private static TypeSettings ResolveSettings(ProcessType type, FormationOptions options, FormationConfig? config, int count, int basePort,
        string workingDirectory, string procfileDir, List<ConfigError> errors)
    {
        var c = config?.Processes.GetValueOrDefault(type.Name);
        var restartSettings = options.RestartSettings;
        if (c?.MaxRestarts is { } max) restartSettings = restartSettings with { MaxFailures = max };
        if (c?.RestartWindow is { } window) restartSettings = restartSettings with { Window = window };
        var dir = workingDirectory;
        if (c?.WorkingDir is { } wd)
        {
            dir = Path.GetFullPath(wd, procfileDir);
            if (!Directory.Exists(dir))
                errors.Add(new ConfigError(config!.Path, c.Line, File.Exists(dir)
                    ? $"The working_dir of '{type.Name}' ('{dir}') is a file, not a directory."
                    : $"The working_dir of '{type.Name}' ('{dir}') does not exist."));
        }
        int? port = c?.NoPort == true ? null : c?.Port ?? basePort + PortsPerType * type.Position;
        var isTask = c?.Task == true;
        return new TypeSettings
        {
            Type = type,
            Count = count,
            Restart = isTask ? RestartPolicy.Never : options.Restart ?? c?.Restart ?? RestartPolicy.OnFailure,
            RestartSettings = restartSettings,
            StopSignal = Signals.Number(options.StopSignal ?? c?.StopSignal ?? "TERM"),
            StopTimeout = options.StopTimeout ?? c?.StopTimeout ?? config?.StopTimeout ?? TypeSettings.DefaultStopTimeout,
            BasePort = port,
            FixedPort = c?.Port is not null,
            Ready = c?.Ready,
            ReadyTimeout = c?.ReadyTimeout ?? TypeSettings.DefaultReadyTimeout,
            After = c?.After ?? [],
            Task = isTask,
            WorkingDirectory = dir,
            Env = (c?.Env ?? []).ToDictionary(e => e.Key, e => new EnvValue(e.Value, $"{e.File}:{e.Line}"), StringComparer.Ordinal),
        };
    }

    private static Dictionary<string, string> CurrentEnvironment()
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in System.Environment.GetEnvironmentVariables()) env[(string)e.Key] = (string?)e.Value ?? "";
        return env;
    }

    private static string DefaultName(string dir)
    {
        var name = Path.GetFileName(dir.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        return string.IsNullOrEmpty(name) ? "formation" : name;
    }

    private static Dictionary<string, EnvValue> LayerEnvironment(FormationOptions options, string procfileDir, List<ConfigError> errors)
    {
        var env = new Dictionary<string, EnvValue>(StringComparer.Ordinal);
        foreach (var (k, v) in options.InheritedEnvironment ?? CurrentEnvironment()) env[k] = new EnvValue(v, EnvValue.Inherited);

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
        return env;
    }

    private static Dictionary<string, int> ResolveCounts(Procfile procfile, FormationOptions options, FormationConfig? config, List<ConfigError> errors)
    {
        var scale = options.Scale ?? new Dictionary<string, int>();
        var selected = options.Types is { Count: > 0 } types ? types : null;
        var valid = string.Join(", ", procfile.Types.Select(t => t.Name));

        foreach (var name in selected ?? [])
            if (procfile.Find(name) is null)
                errors.Add(new ConfigError(null, 0, $"Unknown process type '{name}'. Valid types: {valid}.") { Kind = ConfigErrorKind.UnknownType });
        foreach (var (name, count) in scale)
        {
            if (name != ScaleSpec.All && procfile.Find(name) is null)
                errors.Add(ScaleSpec.UnknownType(name, procfile.Types.Select(t => t.Name)));
            else if (count < 0)
                errors.Add(new ConfigError(null, 0, $"Invalid count {count} for '{name}' in the formation: use 0 or more."));
        }

        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var type in procfile.Types)
        {
            var count = ScaleSpec.CountFor(scale, type.Name) ?? config?.Processes.GetValueOrDefault(type.Name)?.Count ?? 1;
            if (selected is not null && !selected.Contains(type.Name)) count = 0;
            counts[type.Name] = Math.Max(count, 0);
        }
        return counts;
    }

    private static (int Port, string Source) ResolveBasePort(FormationOptions options, FormationConfig? config, Dictionary<string, EnvValue> env,
        IReadOnlyDictionary<string, string> explicitValues, List<ConfigError> errors)
    {
        if (options.Port is { } p)
        {
            if (p is < 1 or > 65535) errors.Add(new ConfigError(null, 0, $"Invalid base port {p}: use 1 to 65535."));
            return (p, "option");
        }
        if (config?.Port is { } configured) return (configured, $"{config.Path}");
        var value = explicitValues.TryGetValue("PORT", out var e) ? new EnvValue(e, EnvValue.Parameter) : env.GetValueOrDefault("PORT");
        if (value is null) return (DefaultBasePort, "default");
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
