using System.Text;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using Formation.Engine.Configuration;
using Formation.Engine.Export;

namespace Formation.Engine.Tests.Export;

/// <summary>
/// Every Procfile + formation.yml + .env that <c>formation check</c> accepts exports, in each format, to
/// files the engine's own validator accepts, with no secret outside a Secret or an env file, and whose YAML
/// reads back the same in YAML 1.1 and 1.2 readers: each command and each variable's value exactly as written.
/// The generators hold what broke exports before (issue 19): TABs, NEL, '&lt;&lt;', '=', '&amp;', type names whose
/// DNS labels collide and app names with ':'. Validators are slow, so the property collects the outputs of all
/// cases and each validator runs once on all of them.
/// </summary>
public class ExportPropertyTests
{
    private const int Cases = 40;

    private static readonly string[] Names =
        ["web", "worker", "web-a-3", "web-a", "web_a", "Clock", "a_b", "a-b", "release", "x9", "a_rather_long_process_type_name_for_kubernetes"];

    private static readonly string[] Commands =
    [
        "sh ./bin/web",
        "echo \"$PORT\" 100% 'quoted' \\\\",
        "FOO=1 env && sleep 1",
        "ruby app.rb -p ${PORT:-5000} # comment",
        "echo `date` $(pwd) $$ %n %%",
        "printf '%s\\n' \"a;b\" | cat",
        "printf 'a\tb' \"<<\" = =x",
        "curl -s 'http://127.0.0.1:$PORT/?a=1&b=2' & wait",
        "echo a\u0085b <<",
    ];

    private sealed record TypeSpec(string Command, int? Count, bool Task, string Ready, string Port, string Signal, string Stop, string Restart,
        string MaxRestarts, string Window, string Env, int AfterMask);

    private sealed record CaseSpec(int Offset, IReadOnlyList<TypeSpec> Types, string TopEnv, string TopPort, bool DotEnv, bool ScaleAll);

    private static Gen<TypeSpec> TypeGen =>
        from command in Gen.Elements(Commands)
        from count in Gen.Elements<int?>(null, 0, 1, 3)
        from task in Gen.Elements(false, false, true)
        from ready in Gen.Elements("", "{ http: /health }", "{ http: \"/health?full=1&fast=1\" }", "{ tcp: true }", "{ output: 'listening on \\d+' }")
        from port in Gen.Elements("", "", "none", "7000")
        from signal in Gen.Elements("", "INT", "QUIT", "KILL")
        from stop in Gen.Elements("", "0s", "1500ms", "2m")
        from restart in Gen.Elements("", "never", "on-failure", "always")
        from max in Gen.Elements("", "1", "10")
        from window in Gen.Elements("", "30s")
        from env in Gen.Elements("", "{ DB_PASSWORD: SECRET, MODE: 'a b' }", "{ \"bad name\": x, QUOTE: \"it's\", EMPTY: '' }",
            "{ TABBED: \"a\\tb\", NEL: \"a\\Nb\", MERGE: \"<<\", EQ: \"=\", AMP: \"a&b\" }")
        from after in Gen.Choose(0, 15)
        select new TypeSpec(command, count, task, task ? "" : ready, port, signal, stop, restart, max, window, env, after);

    private static Gen<CaseSpec> CaseGen =>
        from offset in Gen.Choose(0, Names.Length - 1)
        from types in TypeGen.ListOf().Where(l => l.Count is >= 1 and <= 4)
        from topEnv in Gen.Elements("", "env: { SHARED_TOKEN: SECRET, LEVEL: info }")
        from topPort in Gen.Elements("", "port: 6000")
        from dotEnv in Gen.Elements(false, true)
        from scale in Gen.Elements(false, false, true)
        select new CaseSpec(offset, types.ToArray(), topEnv, topPort, dotEnv, scale);

    [SkippableFact]
    public void EveryAcceptedFormation_ExportsToFilesTheValidatorsAccept()
    {
        var root = Directory.CreateTempSubdirectory("formation-export-prop-").FullName;
        try
        {
            var systemd = Path.Combine(root, "systemd");
            var compose = new List<string>();
            var kubernetes = new List<string>();
            var units = new List<string>();
            var commands = new HashSet<string>(StringComparer.Ordinal); // as written in YAML: $ doubled for Compose and Kubernetes
            var variables = new HashSet<(string, string)>();
            var accepted = 0;
            var n = 0;
            Prop.ForAll(CaseGen.ToArbitrary(), spec =>
            {
                var id = n++;
                var secret = $"s3cr3t-{id}-value";
                var app = Path.Combine(root, $"case{id}", "app");
                Directory.CreateDirectory(app);
                var (procfile, yml, env) = Render(spec, secret);
                File.WriteAllText(Path.Combine(app, "Procfile"), procfile);
                File.WriteAllText(Path.Combine(app, "formation.yml"), yml);
                if (env is not null) File.WriteAllText(Path.Combine(app, ".env"), env);
                var options = new FormationOptions
                {
                    Procfile = Path.Combine(app, "Procfile"),
                    Name = (id % 3) switch { 0 => $"c{id} 50% Ünïcode app", 1 => $"my:app{id}", _ => $"c{id}" },
                    Scale = spec.ScaleAll ? new Dictionary<string, int> { [ScaleSpec.All] = 2 } : null,
                };
                try
                {
                    FormationPlan.Create(options); // what `formation check` does
                    var plan = FormationPlan.Create(options with { InheritedEnvironment = new Dictionary<string, string>() });
                    foreach (var t in plan.Procfile.Types)
                    {
                        commands.Add(t.Command.Replace("$", "$$"));
                        foreach (var (k, v) in plan.Settings(t).Env) variables.Add((k, v.Value));
                    }
                    foreach (var (k, v) in plan.Environment) variables.Add((k, v.Value));
                }
                catch (FormationConfigException)
                {
                    return true; // not a formation check accepts
                }
                accepted++;
                foreach (var format in Enum.GetValues<ExportFormat>())
                {
                    var dir = format == ExportFormat.Systemd ? systemd : Path.Combine(app, "deploy", format.ToString().ToLowerInvariant());
                    var result = Exporter.Export(format, options, new Engine.Export.ExportOptions { Image = "example/app:1", Build = "." }, dir);
                    var leaked = result.Files.Where(f => f.Content.Contains(secret) && !(f.Kind is "Secret" or "env" && f.Private)).Select(f => f.Name).ToArray();
                    if (leaked.Length > 0) throw new InvalidOperationException($"case{id} {format}: a secret in {string.Join(", ", leaked)}");
                    var written = ExportWriter.Write(result, dir, force: false);
                    switch (format)
                    {
                        case ExportFormat.Systemd: units.AddRange(written.Where(p => !p.EndsWith(".env", StringComparison.Ordinal))); break;
                        case ExportFormat.Compose: compose.Add(written[0]); break;
                        default: kubernetes.AddRange(written); break;
                    }
                }
                return true;
            }).Check(Config.QuickThrowOnFailure.WithMaxTest(Cases));

            Assert.True(accepted >= Cases / 2, $"only {accepted} of {Cases} generated formations were valid: the generator needs work");
            Validators.Systemd(units);
            Validators.Compose(compose);
            Validators.Kubernetes(kubernetes);
            ReadsBackAsWritten([.. compose, .. kubernetes], commands, variables);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>Every reader reads each file alike; each command and variable value is one that was written.</summary>
    private static void ReadsBackAsWritten(IReadOnlyList<string> files, HashSet<string> commands, HashSet<(string, string)> variables)
    {
        var read = Validators.ReadYaml(files);
        var (first, documents) = read.First();
        foreach (var (reader, other) in read.Skip(1))
            for (var i = 0; i < files.Count; i++)
                Assert.True(JsonNode.DeepEquals(documents[i], other[i]), $"{files[i]}: {first} and {reader} read it differently:\n{documents[i].ToJsonString()}\n{other[i].ToJsonString()}");
        for (var i = 0; i < files.Count; i++)
        {
            foreach (var doc in documents[i].AsArray().OfType<JsonObject>())
            {
                var read1 = doc["services"] is JsonObject services
                    ? services.Select(s => s.Value!["command"]![2]!.GetValue<string>())
                    : doc["spec"]?["template"]?["spec"]?["containers"] is JsonArray containers ? containers.Select(c => c!["args"]![0]!.GetValue<string>()) : [];
                foreach (var command in read1)
                    Assert.True(commands.Contains(command), $"{files[i]}: the command {JsonValue.Create(command).ToJsonString()} was not written so");
                foreach (var (key, value) in (doc["data"] ?? doc["stringData"])?.AsObject() ?? [])
                    Assert.True(variables.Contains((key, value!.GetValue<string>())), $"{files[i]}: {key}={JsonValue.Create(value.GetValue<string>()).ToJsonString()} is not a value it was given");
            }
        }
    }

    private static (string Procfile, string Yml, string? Env) Render(CaseSpec spec, string secret)
    {
        var names = spec.Types.Select((_, i) => Names[(spec.Offset + i) % Names.Length]).ToArray();
        var procfile = new StringBuilder();
        var yml = new StringBuilder();
        if (spec.TopPort.Length > 0) yml.Append(spec.TopPort).Append('\n');
        if (spec.TopEnv.Length > 0) yml.Append(spec.TopEnv.Replace("SECRET", secret)).Append('\n');
        yml.Append("processes:\n");
        for (var i = 0; i < spec.Types.Count; i++)
        {
            var t = spec.Types[i];
            procfile.Append(names[i]).Append(": ").Append(t.Command).Append('\n');
            yml.Append("  ").Append(names[i]).Append(":\n");
            void Key(string key, string value)
            {
                if (value.Length > 0) yml.Append("    ").Append(key).Append(": ").Append(value).Append('\n');
            }
            Key("count", t.Count?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "");
            Key("task", t.Task ? "true" : "");
            Key("ready", t.Ready);
            Key("port", t.Port);
            Key("stop_signal", t.Signal);
            Key("stop_timeout", t.Stop);
            Key("restart", t.Restart);
            Key("max_restarts", t.MaxRestarts);
            Key("restart_window", t.Window);
            Key("env", t.Env.Replace("SECRET", secret));
            var after = Enumerable.Range(0, i).Where(j => (t.AfterMask & (1 << j)) != 0).Select(j => names[j]).ToArray();
            Key("after", after.Length > 0 ? $"[{string.Join(", ", after)}]" : "");
        }
        var env = spec.DotEnv ? $"API_TOKEN={secret}\nPLAIN=1\nQUOTED=\"a b # c\"\nDOTTED.NAME=x\nTABBED=\"a\\tb\"\nNEL=a\u0085b\nMERGE=<<\nEQ==\n" : null;
        return (procfile.ToString(), yml.ToString(), env);
    }
}
