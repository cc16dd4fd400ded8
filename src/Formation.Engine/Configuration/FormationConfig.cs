using System.Globalization;
using System.Text.RegularExpressions;
using Formation.Engine.Os;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Formation.Engine.Configuration;

/// <summary>
/// formation.yml: options for the formation and per process type. The Procfile stays the source of the
/// commands. Every error names the file, line and column, and what is valid.
/// </summary>
public sealed class FormationConfig
{
    public const string DefaultFileName = "formation.yml";

    private static readonly string[] TopKeys = ["env", "log_dir", "name", "ordered_stop", "port", "processes", "stop_timeout"];
    private static readonly string[] ProcessKeys =
        ["after", "count", "env", "max_restarts", "port", "ready", "ready_timeout", "restart", "restart_window", "stop_signal", "stop_timeout", "task", "working_dir"];
    private static readonly string[] ReadyKeys = ["http", "output", "tcp"];

    public required string Path { get; init; }
    public string? Name { get; init; }
    public int? Port { get; init; }
    public TimeSpan? StopTimeout { get; init; }

    /// <summary><c>ordered_stop</c>: false stops every type at once even when <c>after</c> orders the start.</summary>
    public bool? OrderedStop { get; init; }

    /// <summary><c>log_dir</c>: where each process's output is also written (one rotated file per process), as written in the file.</summary>
    public string? LogDirectory { get; init; }

    public IReadOnlyList<EnvEntry> Env { get; init; } = [];
    public IReadOnlyDictionary<string, ProcessConfig> Processes { get; init; } = new Dictionary<string, ProcessConfig>();

    /// <summary>Reads and checks formation.yml against the Procfile.</summary>
    /// <exception cref="FormationConfigException">With every problem found.</exception>
    public static FormationConfig Load(string path, Procfile procfile)
    {
        var (full, text) = ConfigFile.Read(path, "formation config", "Check the path given with --config / -Config.", ConfigErrorKind.ConfigNotFound);
        return Parse(text, full, procfile);
    }

    public static FormationConfig Parse(string text, string path, Procfile procfile)
    {
        var nul = ConfigText.NulErrors(text, path);
        if (nul.Count > 0) throw new FormationConfigException(nul);
        var parser = new Parser(text, path, procfile);
        var config = parser.Run();
        if (parser.Errors.Count > 0) throw new FormationConfigException(parser.Errors);
        return config;
    }

    private sealed class Parser(string text, string path, Procfile procfile)
    {
        private readonly string[] _lines = text.Replace("\r\n", "\n").Split('\n');

        public List<ConfigError> Errors { get; } = [];

        public FormationConfig Run()
        {
            var stream = new YamlStream();
            var parser = new YamlDotNet.Core.Parser(new StringReader(text));
            try
            {
                stream.Load(parser);
            }
            catch (YamlException ex)
            {
                var message = ex.InnerException is { } inner && ex.Message.Contains("see inner exception", StringComparison.OrdinalIgnoreCase) ? inner.Message : ex.Message;
                Error(ex.Start, $"Invalid YAML: {message.Replace(ex.Start.ToString(), "").Trim().TrimEnd('.')}.");
                return new FormationConfig { Path = path };
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
            {
                // The representation model rejects some constructs (an alias as a key) without a position:
                // report the place the parser had reached.
                Error(parser.Current?.Start ?? new Mark(), $"Invalid YAML: {ex.Message.Replace(" (Parameter 'parser')", "").TrimEnd('.')}. Formation needs plain mappings, lists and values.");
                return new FormationConfig { Path = path };
            }
            if (stream.Documents.Count == 0 || IsNull(stream.Documents[0].RootNode)) return new FormationConfig { Path = path };
            if (stream.Documents[0].RootNode is not YamlMappingNode root)
            {
                Error(stream.Documents[0].RootNode.Start, $"Expected a mapping of keys ({string.Join(", ", TopKeys)}).");
                return new FormationConfig { Path = path };
            }

            string? name = null, logDirectory = null;
            int? port = null;
            TimeSpan? stopTimeout = null;
            bool? orderedStop = null;
            IReadOnlyList<EnvEntry> env = [];
            var processes = new Dictionary<string, ProcessConfig>(StringComparer.Ordinal);
            foreach (var (keyNode, value) in root.Children)
            {
                switch (Key(keyNode))
                {
                    case "name": name = String(value, "name"); break;
                    case "log_dir": logDirectory = String(value, "log_dir"); break;
                    case "port": port = Port(value, "port", allowNone: false, out _); break;
                    case "stop_timeout": stopTimeout = Duration(value, "stop_timeout"); break;
                    case "ordered_stop": orderedStop = Bool(value, "ordered_stop"); break;
                    case "env": env = Env(value, "env"); break;
                    case "processes": ReadProcesses(value, processes); break;
                    case var other: Unknown(keyNode, other, "at the top level", TopKeys); break;
                }
            }
            CheckAfter(processes);
            return new FormationConfig
            {
                Path = path, Name = name, Port = port, StopTimeout = stopTimeout, OrderedStop = orderedStop, LogDirectory = logDirectory, Env = env, Processes = processes,
            };
        }

        private void ReadProcesses(YamlNode node, Dictionary<string, ProcessConfig> result)
        {
            if (IsNull(node)) return;
            if (node is not YamlMappingNode map)
            {
                Error(node.Start, "'processes' must be a mapping of process type to settings, for example 'processes: { web: { count: 2 } }'.");
                return;
            }
            foreach (var (keyNode, value) in map.Children)
            {
                var type = Key(keyNode);
                if (procfile.Find(type) is null)
                {
                    Error(keyNode.Start, $"Process type '{type}' is not in the Procfile ({procfile.Path}). Valid types: {ValidTypes}.");
                    continue;
                }
                result[type] = ReadProcess(type, keyNode, value);
            }
        }

        private ProcessConfig ReadProcess(string type, YamlNode keyNode, YamlNode node)
        {
            if (IsNull(node)) return new ProcessConfig { Type = type, Line = (int)keyNode.Start.Line, Column = (int)keyNode.Start.Column };
            if (node is not YamlMappingNode map)
            {
                Error(node.Start, $"The settings of '{type}' must be a mapping, for example '{type}: {{ count: 2 }}'.");
                return new ProcessConfig { Type = type, Line = (int)keyNode.Start.Line, Column = (int)keyNode.Start.Column };
            }
            int? count = null, maxRestarts = null, port = null;
            RestartPolicy? restart = null;
            TimeSpan? window = null, stopTimeout = null, readyTimeout = null;
            string? signal = null, workingDir = null;
            IReadOnlyList<EnvEntry> env = [];
            ReadyProbe? ready = null;
            IReadOnlyList<string> after = [];
            bool task = false, noPort = false;
            foreach (var (k, v) in map.Children)
            {
                var key = Key(k);
                var what = $"{type}.{key}";
                switch (key)
                {
                    case "count": count = Int(v, what, 0, FormationPlan.MaxInstances); break;
                    case "restart": restart = Restart(v, what); break;
                    case "max_restarts": maxRestarts = Int(v, what, 1, 1000); break;
                    case "restart_window": window = Duration(v, what); break;
                    case "stop_signal": signal = Signal(v, what); break;
                    case "stop_timeout": stopTimeout = Duration(v, what); break;
                    case "env": env = Env(v, what); break;
                    case "port": port = Port(v, what, allowNone: true, out noPort); break;
                    case "ready": ready = Ready(v, what); break;
                    case "ready_timeout": readyTimeout = Duration(v, what); break;
                    case "after": after = After(v, what); break;
                    case "task": task = Bool(v, what) ?? false; break;
                    case "working_dir": workingDir = String(v, what); break;
                    default: Unknown(k, key, $"for process '{type}'", ProcessKeys); break;
                }
            }
            if (task && ready is not null)
                Error(map.Start, $"'{type}' is a task: it is done when it exits 0, so it takes no 'ready' probe.");
            return new ProcessConfig
            {
                Type = type, Line = (int)keyNode.Start.Line, Column = (int)keyNode.Start.Column, Count = count, Restart = restart, MaxRestarts = maxRestarts,
                RestartWindow = window, StopSignal = signal, StopTimeout = stopTimeout, Env = env, Port = port, NoPort = noPort,
                Ready = ready, ReadyTimeout = readyTimeout, After = after, Task = task, WorkingDir = workingDir,
            };
        }

        private void CheckAfter(Dictionary<string, ProcessConfig> processes)
        {
            // Depth-first search for a cycle; report it once, at the first type on it.
            var state = new Dictionary<string, int>();
            var stack = new List<string>();
            foreach (var type in processes.Keys)
                if (Visit(type)) return;

            bool Visit(string type)
            {
                if (state.GetValueOrDefault(type) == 2) return false;
                if (state.GetValueOrDefault(type) == 1)
                {
                    var cycle = stack.Skip(stack.IndexOf(type)).Append(type);
                    Errors.Add(new ConfigError(path, processes[type].Line, $"Cycle in 'after': {string.Join(" -> ", cycle)}. Remove one of these dependencies.",
                        LineText(processes[type].Line), processes[type].Column));
                    return true;
                }
                state[type] = 1;
                stack.Add(type);
                foreach (var dep in processes.TryGetValue(type, out var p) ? p.After : [])
                    if (Visit(dep)) return true;
                stack.RemoveAt(stack.Count - 1);
                state[type] = 2;
                return false;
            }
        }

        // ---- values --------------------------------------------------------------------------------

        private string ValidTypes => string.Join(", ", procfile.Types.Select(t => t.Name));

        private static bool IsNull(YamlNode node) =>
            node is YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" };

        private string Key(YamlNode node)
        {
            if (node is YamlScalarNode { Value: { } v }) return v;
            Error(node.Start, "Keys must be plain names.");
            return "";
        }

        private string? Scalar(YamlNode node, string what, string expected)
        {
            if (node is YamlScalarNode s && !IsNull(node)) return s.Value;
            Error(node.Start, $"'{what}' must be {expected}.");
            return null;
        }

        private string? String(YamlNode node, string what) => Scalar(node, what, "a string");

        private int? Int(YamlNode node, string what, int min, int max)
        {
            var s = Scalar(node, what, $"a whole number from {min} to {max}");
            if (s is null) return null;
            if (int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max) return n;
            Error(node.Start, $"'{what}' must be a whole number from {min} to {max}, not '{s}'.");
            return null;
        }

        private bool? Bool(YamlNode node, string what)
        {
            var s = Scalar(node, what, "true or false");
            switch (s?.ToLowerInvariant())
            {
                case null: return null;
                case "true" or "yes" or "on": return true;
                case "false" or "no" or "off": return false;
                default:
                    Error(node.Start, $"'{what}' must be true or false, not '{s}'.");
                    return null;
            }
        }

        private TimeSpan? Duration(YamlNode node, string what)
        {
            var s = Scalar(node, what, Configuration.Duration.Grammar);
            if (s is null) return null;
            if (Configuration.Duration.TryParse(s, out var t)) return t;
            Error(node.Start, $"'{what}' must be {Configuration.Duration.Grammar}, not '{s}'.");
            return null;
        }

        private int? Port(YamlNode node, string what, bool allowNone, out bool none)
        {
            none = false;
            var expected = allowNone ? "a port from 1 to 65535, or none" : "a port from 1 to 65535";
            var s = Scalar(node, what, expected);
            if (s is null) return null;
            if (allowNone && s == "none")
            {
                none = true;
                return null;
            }
            if (int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is >= 1 and <= 65535) return p;
            Error(node.Start, $"'{what}' must be {expected}, not '{s}'.");
            return null;
        }

        private RestartPolicy? Restart(YamlNode node, string what)
        {
            var words = string.Join(", ", RestartPolicyWords.All.SkipLast(1)) + " or " + RestartPolicyWords.All[^1];
            var s = Scalar(node, what, words);
            if (s is null) return null;
            if (RestartPolicyWords.Parse(s) is { } policy) return policy;
            Error(node.Start, $"'{what}' must be {words}, not '{s}'.");
            return null;
        }

        private string? Signal(YamlNode node, string what)
        {
            var valid = string.Join(" ", Signals.StopSignals);
            var s = Scalar(node, what, $"one of {valid}");
            if (s is null) return null;
            var bare = s.StartsWith("SIG", StringComparison.OrdinalIgnoreCase) ? s[3..] : s;
            if (Signals.StopSignals.Contains(bare.ToUpperInvariant())) return bare.ToUpperInvariant();
            Error(node.Start, $"'{what}' must be one of {valid}, not '{s}'.");
            return null;
        }

        private IReadOnlyList<EnvEntry> Env(YamlNode node, string what)
        {
            if (IsNull(node)) return [];
            if (node is not YamlMappingNode map)
            {
                Error(node.Start, $"'{what}' must be a mapping of NAME: value, for example '{what}: {{ RAILS_ENV: development }}'.");
                return [];
            }
            var result = new List<EnvEntry>();
            foreach (var (k, v) in map.Children)
            {
                var key = Key(k);
                if (v is not YamlScalarNode scalar)
                {
                    Error(v.Start, $"The value of {what}.{key} must be a string, number or boolean.");
                    continue;
                }
                result.Add(new EnvEntry(key, IsNull(v) ? "" : scalar.Value ?? "", path, (int)k.Start.Line));
            }
            return result;
        }

        private IReadOnlyList<string> After(YamlNode node, string what)
        {
            var items = node switch
            {
                YamlSequenceNode seq => seq.Children,
                YamlScalarNode when !IsNull(node) => [node],
                _ => null,
            };
            if (items is null)
            {
                Error(node.Start, $"'{what}' must be a list of process types, for example 'after: [web]'.");
                return [];
            }
            var result = new List<string>();
            foreach (var item in items)
            {
                var type = Scalar(item, what, "a process type name");
                if (type is null) continue;
                if (procfile.Find(type) is null) Error(item.Start, $"'{what}' names '{type}', which is not in the Procfile. Valid types: {ValidTypes}.");
                else result.Add(type);
            }
            return result;
        }

        private ReadyProbe? Ready(YamlNode node, string what)
        {
            const string example = "{ http: /health }, { tcp: true } or { output: 'Listening on' }";
            if (node is not YamlMappingNode { Children.Count: 1 } map)
            {
                Error(node.Start, $"'{what}' must have exactly one of http, tcp, output: {example}.");
                return null;
            }
            var (k, v) = map.Children.First();
            switch (Key(k))
            {
                case "http":
                    var p = Scalar(v, $"{what}.http", "a path starting with '/'");
                    if (p is null) return null;
                    if (p.StartsWith('/')) return new ReadyProbe(ReadyKind.Http, Path: p);
                    Error(v.Start, $"'{what}.http' must be a path starting with '/', not '{p}'.");
                    return null;
                case "tcp":
                    return Bool(v, $"{what}.tcp") == true ? new ReadyProbe(ReadyKind.Tcp) : null;
                case "output":
                    var pattern = Scalar(v, $"{what}.output", "a regular expression");
                    if (pattern is null) return null;
                    try
                    {
                        _ = new Regex(pattern, RegexOptions.CultureInvariant);
                        return new ReadyProbe(ReadyKind.Output, Pattern: pattern);
                    }
                    catch (ArgumentException ex)
                    {
                        Error(v.Start, $"'{what}.output' is not a valid regular expression: {ex.Message}");
                        return null;
                    }
                case var other:
                    Unknown(k, other, $"in '{what}'", ReadyKeys);
                    return null;
            }
        }

        private void Unknown(YamlNode node, string key, string where, string[] valid) =>
            Error(node.Start, $"Unknown key '{key}' {where}. Valid keys: {string.Join(", ", valid)}.");

        private void Error(Mark mark, string message) =>
            Errors.Add(new ConfigError(path, (int)mark.Line, message, LineText((int)mark.Line), (int)mark.Column));

        private string? LineText(int line) => line >= 1 && line <= _lines.Length ? ConfigText.Printable(_lines[line - 1]) : null;
    }
}
