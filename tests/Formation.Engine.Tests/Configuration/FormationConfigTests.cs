using Formation.Engine.Configuration;

namespace Formation.Engine.Tests.Configuration;

public partial class FormationConfigTests : IDisposable
{
    private const string ConfigPath = "/app/formation.yml";
    private readonly string _dir = Directory.CreateTempSubdirectory("formation-config-").FullName;
    private readonly Procfile _procfile = Procfile.Parse("release: ./migrate\nweb: ./web\nworker: ./worker\n", "/app/Procfile");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private FormationConfig Parse(string yaml) => FormationConfig.Parse(yaml, ConfigPath, _procfile);

    private ConfigError Error(string yaml) => Assert.Single(Assert.Throws<FormationConfigException>(() => Parse(yaml)).Errors);

    [Fact]
    public void Parse_TheDocumentedExample()
    {
        var config = Parse("""
            name: shop
            port: 5000
            stop_timeout: 5s
            env: { RAILS_ENV: development }
            processes:
              release: { task: true }                 # one-shot, must exit 0 first
              web:
                count: 2
                ready: { http: /health }
                ready_timeout: 30s
                after: [release]
                stop_signal: INT
                env: { WEB_CONCURRENCY: 2 }
              worker: { count: 3, restart: always, after: [web], max_restarts: 10, restart_window: 2m, port: none, working_dir: . }
            """);

        Assert.Equal(("shop", 5000, TimeSpan.FromSeconds(5)), (config.Name, config.Port, config.StopTimeout));
        Assert.Equal(("RAILS_ENV", "development", 4), (config.Env[0].Key, config.Env[0].Value, config.Env[0].Line));
        Assert.True(config.Processes["release"].Task);
        var web = config.Processes["web"];
        Assert.Equal(2, web.Count);
        Assert.Equal(new ReadyProbe(ReadyKind.Http, Path: "/health"), web.Ready);
        Assert.Equal(TimeSpan.FromSeconds(30), web.ReadyTimeout);
        Assert.Equal(["release"], web.After);
        Assert.Equal("INT", web.StopSignal);
        Assert.Equal(("WEB_CONCURRENCY", "2"), (web.Env[0].Key, web.Env[0].Value));
        var worker = config.Processes["worker"];
        Assert.Equal((3, RestartPolicy.Always, 10, TimeSpan.FromMinutes(2), true), (worker.Count, worker.Restart, worker.MaxRestarts, worker.RestartWindow, worker.NoPort));
        Assert.Equal(["web"], worker.After);
    }

    [Theory]
    [InlineData("{ tcp: true }", ReadyKind.Tcp, null, null)]
    [InlineData("{ output: 'Listening on \\d+' }", ReadyKind.Output, null, "Listening on \\d+")]
    [InlineData("{ http: /up }", ReadyKind.Http, "/up", null)]
    public void Parse_ReadyProbes(string ready, ReadyKind kind, string? path, string? pattern) =>
        Assert.Equal(new ReadyProbe(kind, path, pattern), Parse($"processes:\n  web:\n    ready: {ready}\n").Processes["web"].Ready);

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("5s", 5000)]
    [InlineData("2m", 120_000)]
    [InlineData("1.5s", 1500)]
    [InlineData("3", 3000)]
    public void Parse_Durations(string text, int ms) =>
        Assert.Equal(TimeSpan.FromMilliseconds(ms), Parse($"stop_timeout: {text}\n").StopTimeout);

    [Fact]
    public void Parse_EmptyFile_IsAnEmptyConfig() => Assert.Empty(Parse("# nothing yet\n").Processes);

    [Fact]
    public void UnknownTopLevelKey_NamesFileLineColumnAndTheValidKeys()
    {
        var error = Error("name: shop\nnmae: typo\n");

        Assert.Equal("/app/formation.yml:2:1: Unknown key 'nmae' at the top level. Valid keys: env, log_dir, name, ordered_stop, port, processes, stop_timeout.\n    nmae: typo", error.ToString());
    }

    [Fact]
    public void Parse_OrderedStop_IsABooleanAtTheTopLevel()
    {
        Assert.False(Parse("ordered_stop: false\n").OrderedStop);
        Assert.Null(Parse("name: shop\n").OrderedStop);
        Assert.Equal("/app/formation.yml:1:15: 'ordered_stop' must be true or false, not 'sometimes'.\n    ordered_stop: sometimes",
            Error("ordered_stop: sometimes\n").ToString());
    }

    [Fact]
    public void UnknownProcessKey_ListsTheValidKeys()
    {
        var error = Error("processes:\n  web: { count: 2, replicas: 3 }\n");

        Assert.Equal("/app/formation.yml:2:20: Unknown key 'replicas' for process 'web'. Valid keys: after, count, env, max_restarts, port, ready, ready_timeout, restart, restart_window, stop_signal, stop_timeout, task, working_dir.",
            error.ToString().Split('\n')[0]);
    }

    [Theory]
    [InlineData("processes:\n  web: { count: two }\n", "2:17: 'web.count' must be a whole number from 0 to 10000, not 'two'.")]
    [InlineData("processes:\n  web: { restart: sometimes }\n", "2:19: 'web.restart' must be never, on-failure or always, not 'sometimes'.")]
    [InlineData("processes:\n  web: { stop_signal: SEGV }\n", "2:23: 'web.stop_signal' must be one of TERM INT QUIT HUP USR1 USR2 KILL, not 'SEGV'.")]
    [InlineData("processes:\n  web: { ready_timeout: soon }\n", "2:25: 'web.ready_timeout' must be a duration from 0 to 24h such as 500ms, 5s, 2m, 1h or plain seconds, not 'soon'.")]
    [InlineData("processes:\n  web: { port: 70000 }\n", "2:16: 'web.port' must be a port from 1 to 65535, or none, not '70000'.")]
    [InlineData("processes:\n  web: { task: maybe }\n", "2:16: 'web.task' must be true or false, not 'maybe'.")]
    [InlineData("processes:\n  web: { ready: { http: health } }\n", "2:25: 'web.ready.http' must be a path starting with '/', not 'health'.")]
    [InlineData("processes:\n  web: { ready: { http: /a, tcp: true } }\n", "2:17: 'web.ready' must have exactly one of http, tcp, output: { http: /health }, { tcp: true } or { output: 'Listening on' }.")]
    [InlineData("processes:\n  web: { ready: { udp: true } }\n", "2:19: Unknown key 'udp' in 'web.ready'. Valid keys: http, output, tcp.")]
    [InlineData("port: [1]\n", "1:7: 'port' must be a port from 1 to 65535.")]
    [InlineData("processes: [web]\n", "1:12: 'processes' must be a mapping of process type to settings, for example 'processes: { web: { count: 2 } }'.")]
    [InlineData("env: { A: [1, 2] }\n", "1:11: The value of env.A must be a string, number or boolean.")]
    public void WrongType_SaysWhatIsValid(string yaml, string expected) =>
        Assert.Equal($"{ConfigPath}:{expected}", Error(yaml).ToString().Split('\n')[0]);

    [Fact]
    public void TypeNotInTheProcfile_ListsTheValidTypes()
    {
        var error = Error("processes:\n  wrker: { count: 2 }\n");

        Assert.Equal("/app/formation.yml:2:3: Process type 'wrker' is not in the Procfile (/app/Procfile). Valid types: release, web, worker.", error.ToString().Split('\n')[0]);
    }

    [Fact]
    public void After_UnknownType_ListsTheValidTypes()
    {
        var error = Error("processes:\n  web: { after: [db] }\n");

        Assert.Equal("/app/formation.yml:2:18: 'web.after' names 'db', which is not in the Procfile. Valid types: release, web, worker.", error.ToString().Split('\n')[0]);
    }

    [Fact]
    public void After_Cycle_IsAnErrorThatShowsTheCycle()
    {
        var error = Error("processes:\n  web: { after: [worker] }\n  worker: { after: [release] }\n  release: { after: [web] }\n");

        Assert.Equal("/app/formation.yml:2:3: Cycle in 'after': web -> worker -> release -> web. Remove one of these dependencies.", error.ToString().Split('\n')[0]);
    }

    [Fact]
    public void InvalidYaml_NamesLineAndColumn()
    {
        var error = Error("processes:\n  web: { count: 2\n");

        Assert.Equal(ConfigPath, error.File);
        Assert.Equal(3, error.Line);
        Assert.StartsWith("Invalid YAML:", error.Message);
    }

    [Fact]
    public void AliasAsAKey_IsAnInvalidYamlError_NotACrash()
    {
        var error = Error("env: { A: 1 }\n*a: x\n");

        Assert.StartsWith("Invalid YAML:", error.Message);
        Assert.True(error.Line >= 1);
    }

    [Fact]
    public void DuplicateKey_IsAnError()
    {
        var error = Error("name: a\nname: b\n");

        Assert.Equal(2, error.Line);
        Assert.Contains("Duplicate key", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Task_WithAReadyProbe_IsAnError() =>
        Assert.Contains("'release' is a task", Error("processes:\n  release: { task: true, ready: { tcp: true } }\n").Message);

    [Fact]
    public void SeveralProblems_AreAllReported()
    {
        var ex = Assert.Throws<FormationConfigException>(() => Parse("nmae: x\nprocesses:\n  web: { count: -1 }\n  db: {}\n"));

        Assert.Equal([1, 3, 4], ex.Errors.Select(e => e.Line));
    }

    private FormationOptions Options(string yaml, string procfile = "release: ./migrate\nweb: ./web\nworker: ./worker\n")
    {
        File.WriteAllText(Path.Combine(_dir, "Procfile"), procfile);
        File.WriteAllText(Path.Combine(_dir, "formation.yml"), yaml);
        return new FormationOptions { Procfile = Path.Combine(_dir, "Procfile"), InheritedEnvironment = new Dictionary<string, string> { ["A"] = "inherited" } };
    }

    [Fact]
    public void Plan_ReadsFormationYmlBesideTheProcfile_AndOptionsOverrideIt()
    {
        var options = Options("name: shop\nport: 7000\nstop_timeout: 9s\nprocesses:\n  web: { count: 3, restart: always, stop_signal: INT }\n");

        var fromFile = FormationPlan.Create(options);
        var overridden = FormationPlan.Create(options with
        {
            Name = "other", Port = 8000, StopTimeout = TimeSpan.FromSeconds(1), Restart = RestartPolicy.Never, StopSignal = "QUIT",
            Scale = ScaleSpec.Parse("web=1"),
        });

        var web = fromFile.Procfile.Find("web")!;
        Assert.Equal(("shop", 7000, 3, RestartPolicy.Always, "SIGINT", TimeSpan.FromSeconds(9)),
            (fromFile.Name, fromFile.BasePort, fromFile.Counts["web"], fromFile.Settings(web).Restart, Engine.Os.Signals.Name(fromFile.Settings(web).StopSignal), fromFile.Settings(web).StopTimeout));
        Assert.Equal(("other", 8000, 1, RestartPolicy.Never, "SIGQUIT", TimeSpan.FromSeconds(1)),
            (overridden.Name, overridden.BasePort, overridden.Counts["web"], overridden.Settings(web).Restart, Engine.Os.Signals.Name(overridden.Settings(web).StopSignal), overridden.Settings(web).StopTimeout));
    }

    [Fact]
    public void Plan_EnvLayers_DotEnvThenYmlThenTypeThenExplicit_WithSources()
    {
        var options = Options("env: { A: yml, B: yml, C: yml }\nprocesses:\n  web:\n    env: { B: web, C: web }\n");
        File.WriteAllText(Path.Combine(_dir, ".env"), "A=dotenv\nD=dotenv\n");

        var plan = FormationPlan.Create(options with { Environment = new Dictionary<string, string> { ["C"] = "explicit" } });
        var env = plan.EnvironmentWithSources(plan.Procfile.Find("web")!, 1);

        var yml = Path.Combine(_dir, "formation.yml");
        Assert.Equal(new EnvValue("yml", $"{yml}:1"), env["A"]);
        Assert.Equal(new EnvValue("web", $"{yml}:4"), env["B"]);
        Assert.Equal(new EnvValue("explicit", EnvValue.Parameter), env["C"]);
        Assert.Equal(new EnvValue("dotenv", $"{Path.Combine(_dir, ".env")}:2"), env["D"]);
        Assert.Equal(new EnvValue("5100", EnvValue.Computed), env["PORT"]);
        Assert.Equal("yml", plan.EnvironmentFor(plan.Procfile.Find("worker")!, 1)["B"]);
    }

    [Fact]
    public void Plan_PortNone_AndAFixedTypePort()
    {
        var plan = FormationPlan.Create(Options("processes:\n  release: { port: none }\n  worker: { port: 9000 }\n"));

        Assert.Null(plan.PortFor(plan.Procfile.Find("release")!, 1));
        Assert.False(plan.EnvironmentFor(plan.Procfile.Find("release")!, 1).ContainsKey("PORT"));
        Assert.Equal(5100, plan.PortFor(plan.Procfile.Find("web")!, 1));
        Assert.Equal(9001, plan.PortFor(plan.Procfile.Find("worker")!, 2));
    }

    [Fact]
    public void Plan_TasksAreNeverRestarted()
    {
        var plan = FormationPlan.Create(Options("processes:\n  release: { task: true, restart: always }\n"));

        Assert.Equal(RestartPolicy.Never, plan.Settings(plan.Procfile.Find("release")!).Restart);
    }

    [Fact]
    public void Plan_ConfigOption_NamesAnotherFile_OrNone()
    {
        var options = Options("name: beside\n");
        File.WriteAllText(Path.Combine(_dir, "other.yml"), "name: other\n");

        Assert.Equal("beside", FormationPlan.Create(options).Name);
        Assert.Equal("other", FormationPlan.Create(options with { Config = Path.Combine(_dir, "other.yml") }).Name);
        Assert.Equal(Path.GetFileName(_dir), FormationPlan.Create(options with { Config = "" }).Name);
        Assert.Contains("No formation config found at", Assert.Throws<FormationConfigException>(() => FormationPlan.Create(options with { Config = Path.Combine(_dir, "nope.yml") })).Message);
    }

    [Fact]
    public void Plan_WorkingDirMissing_IsAnErrorWithTheLine()
    {
        var ex = Assert.Throws<FormationConfigException>(() => FormationPlan.Create(Options("processes:\n  web:\n    working_dir: ./nope\n")));

        Assert.Equal(2, ex.Errors[0].Line);
        Assert.Contains("The working_dir of 'web'", ex.Errors[0].Message);
    }
}
