using Formation.Engine.Configuration;
using Formation.Engine.Export;

namespace Formation.Engine.Tests.Export;

public class ExportTests
{
    private const string Secret = "s3cr3t-value-17";

    [Fact]
    public void Systemd_ExecStart_EscapesForSystemdThenTheShell()
    {
        using var app = new ExportFixture("web: echo \"$PORT\" 100% 'it''s' \\n\n");
        var unit = ExportFixture.Text(app.Export(ExportFormat.Systemd), "app-web.1.service");
        Assert.Contains("ExecStart=/bin/sh -c 'exec echo \"$$PORT\" 100%% \\'it\\'\\'s\\' \\\\n'\n", unit);
    }

    [Fact]
    public void Systemd_CompoundCommand_IsNotPrefixedWithExec()
    {
        using var app = new ExportFixture("web: FOO=1 ./a && ./b\n");
        Assert.Contains("ExecStart=/bin/sh -c 'FOO=1 ./a && ./b'\n", ExportFixture.Text(app.Export(ExportFormat.Systemd), "app-web.1.service"));
    }

    [Fact]
    public void Systemd_UnitNames_CarryNoPort_AndTargetsWantEveryInstance()
    {
        using var app = new ExportFixture("web: a\nworker: b\n", "processes:\n  worker: { count: 3 }\n");
        var result = app.Export(ExportFormat.Systemd);
        Assert.Equal(
            ["app.target", "app-web.target", "app-web.1.service", "app-worker.target", "app-worker.1.service", "app-worker.2.service", "app-worker.3.service"],
            result.Files.Select(f => f.Name));
        Assert.Contains("Wants=app-web.target app-worker.target app-web.1.service app-worker.1.service app-worker.2.service app-worker.3.service\n",
            ExportFixture.Text(result, "app.target"));
        Assert.Contains("Wants=app-worker.1.service app-worker.2.service app-worker.3.service\n", ExportFixture.Text(result, "app-worker.target"));
        Assert.Contains("Environment=PORT=5102\n", ExportFixture.Text(result, "app-worker.3.service"));
    }

    [Fact]
    public void Systemd_Settings_ComeFromFormationYml()
    {
        using var app = new ExportFixture("migrate: m\nweb: w\n",
            "processes:\n  migrate: { task: true }\n  web: { after: [migrate], restart: always, max_restarts: 3, restart_window: 2m, stop_signal: QUIT, stop_timeout: 1500ms }\n");
        var result = app.Export(ExportFormat.Systemd, new Engine.Export.ExportOptions { User = "deploy" });
        var web = ExportFixture.Text(result, "app-web.1.service");
        foreach (var line in new[] { "After=app-migrate.1.service", "Requires=app-migrate.1.service", "StartLimitIntervalSec=120s", "StartLimitBurst=3",
                     "User=deploy", "Restart=always", "RestartSec=1s", "KillMode=mixed", "KillSignal=SIGQUIT", "TimeoutStopSec=1500ms", "SyslogIdentifier=app-web.1" })
            Assert.Contains(line + "\n", web);
        var task = ExportFixture.Text(result, "app-migrate.1.service");
        Assert.Contains("Type=oneshot\nRemainAfterExit=yes\n", task);
        Assert.DoesNotContain("Restart=", task);
    }

    [Fact]
    public void Systemd_Values_StayInEnvironmentFiles()
    {
        using var app = new ExportFixture("web: w\n", $"env:\n  DB_PASSWORD: {Secret}\n  MODE: fast\n", $"API_TOKEN={Secret}\nPLAIN=1\n");
        var result = app.Export(ExportFormat.Systemd);
        var unit = ExportFixture.Text(result, "app-web.1.service");
        Assert.Contains($"EnvironmentFile={app.App}/.env\nEnvironmentFile={app.Output(ExportFormat.Systemd)}/app-web.env\n", unit);
        Assert.DoesNotContain("fast", unit);
        var env = result.Files.Single(f => f.Name == "app-web.env");
        Assert.True(env.Private);
        Assert.Contains($"DB_PASSWORD={Secret}\nMODE=fast\n", env.Content);
        Assert.DoesNotContain("API_TOKEN", env.Content); // read from .env by reference
    }

    [Fact]
    public void Systemd_DotEnvLinesItReadsDifferently_AreWarnedWithFileAndLine()
    {
        using var app = new ExportFixture("web: w\n", dotEnv: "A=1\nexport B=2\nC=${A}/x\nD='$A'\n");
        var warnings = app.Export(ExportFormat.Systemd).Warnings.Where(w => w.Key == "env_file").Select(w => w.Message).ToArray();
        Assert.Equal(2, warnings.Length);
        Assert.StartsWith($"{app.App}/.env:2: ", warnings[0]);
        Assert.StartsWith($"{app.App}/.env:3: ", warnings[1]);
    }

    [Fact]
    public void EveryTarget_KeepsSecretsOutOfAllButSecretsAndEnvFiles()
    {
        using var app = new ExportFixture("web: w\nworker: k\n", $"env:\n  DB_PASSWORD: {Secret}\nprocesses:\n  worker:\n    env: {{ SIGNING_KEY: {Secret}x }}\n",
            $"API_TOKEN={Secret}y\nPLAIN=1\n");
        foreach (var format in Enum.GetValues<ExportFormat>())
        {
            var result = app.Export(format);
            foreach (var f in result.Files.Where(f => f.Content.Contains(Secret)))
                Assert.True(f.Kind is "Secret" or "env" && f.Private, $"{format}: {f.Name} holds a secret");
        }
        var k8s = app.Export(ExportFormat.Kubernetes);
        Assert.Contains($"API_TOKEN: {Secret}y", ExportFixture.Text(k8s, "env-secret.yaml"));
        Assert.Contains("PLAIN: \"1\"", ExportFixture.Text(k8s, "env-configmap.yaml"));
        Assert.Contains($"SIGNING_KEY: {Secret}x", ExportFixture.Text(k8s, "worker-env-secret.yaml"));
    }

    [Fact]
    public void Kubernetes_WithoutAnImage_SaysWhatToPass()
    {
        using var app = new ExportFixture("web: w\n");
        var ex = Assert.Throws<FormationConfigException>(() => app.Export(ExportFormat.Kubernetes, new Engine.Export.ExportOptions()));
        Assert.Contains("--image", ex.Errors[0].Message);
    }

    [Fact]
    public void Kubernetes_Shapes_DeploymentServiceJob()
    {
        using var app = new ExportFixture("web: puma -p $PORT\nrelease: migrate\n",
            "processes:\n  web: { count: 3, ready: { http: /health }, stop_timeout: 20s }\n  release: { task: true, port: none }\n");
        var result = app.Export(ExportFormat.Kubernetes);
        Assert.Equal(["web-deployment.yaml", "web-service.yaml", "release-job.yaml"], result.Files.Select(f => f.Name));
        var web = ExportFixture.Text(result, "web-deployment.yaml");
        foreach (var text in new[] { "replicas: 3", "app.kubernetes.io/component: web", "- puma -p $$PORT", "containerPort: 5000", "path: /health",
                     "terminationGracePeriodSeconds: 20" })
            Assert.Contains(text, web);
        Assert.Contains("backoffLimit: 0", ExportFixture.Text(result, "release-job.yaml"));
    }

    [Fact]
    public void Kubernetes_TypesWithTheSameDnsName_GetDistinctNames()
    {
        using var app = new ExportFixture("a_b: x\na-b: y\n");
        var result = app.Export(ExportFormat.Kubernetes);
        Assert.Contains("a-b-deployment.yaml", result.Files.Select(f => f.Name));
        Assert.Contains("a-b-2-deployment.yaml", result.Files.Select(f => f.Name));
    }

    [SkippableFact]
    public void Kubernetes_TypesWhoseLabelsCollide_GetDistinctObjects_AndAWarningNamingBoth()
    {
        using var app = new ExportFixture("web-a-3: a\nweb-a: b\nweb_a: c\n");
        var result = app.Export(ExportFormat.Kubernetes);

        Assert.Equal(
            ["web-a-3-deployment.yaml", "web-a-3-service.yaml", "web-a-deployment.yaml", "web-a-service.yaml", "web-a-3-2-deployment.yaml", "web-a-3-2-service.yaml"],
            result.Files.Select(f => f.Name));
        Assert.Contains("name: app-web-a-3-2\n", ExportFixture.Text(result, "web-a-3-2-deployment.yaml"));
        Assert.Contains("- c\n", ExportFixture.Text(result, "web-a-3-2-deployment.yaml"));
        var warning = Assert.Single(result.Warnings, w => w.Key == "name");
        Assert.Equal("web_a: name: 'web-a' is already the Kubernetes name of 'web-a': the objects of 'web_a' are named 'web-a-3-2'.", warning.ToString());
        Assert.Equal(6, Validators.Kubernetes(ExportWriter.Write(result, app.Output(ExportFormat.Kubernetes), force: false)));
    }

    [SkippableFact]
    public void SystemdAndCompose_TypesWhoseLabelsCollide_KeepTheirOwnNames()
    {
        using var app = new ExportFixture("web-a-3: a\nweb-a: b\nweb_a: c\n");
        var systemd = app.Write(ExportFormat.Systemd);
        Assert.Equal(7, systemd.Distinct().Count());
        Assert.Contains(systemd, p => p.EndsWith("/app-web_a.1.service", StringComparison.Ordinal));
        Assert.Contains(systemd, p => p.EndsWith("/app-web-a.1.service", StringComparison.Ordinal));
        Validators.Systemd(systemd);
        var compose = ExportFixture.Text(app.Export(ExportFormat.Compose), "compose.yaml");
        foreach (var service in new[] { "web-a-3", "web-a", "web_a" }) Assert.Contains($"\n  {service}:\n", compose);
        Validators.Compose(app.Write(ExportFormat.Compose));
    }

    [SkippableTheory]
    [InlineData("my:app", "my-app")]
    [InlineData("shop\nline\\", "shop-line-")]
    public void Systemd_AppNameThatIsNoUnitName_GivesUnitsTheValidatorAccepts(string name, string unit)
    {
        using var app = new ExportFixture("web: w\n");
        var formation = new FormationOptions { Procfile = Path.Combine(app.App, "Procfile"), Name = name };
        var result = app.Export(ExportFormat.Systemd, formation: formation);

        Assert.Contains($"{unit}.target", result.Files.Select(f => f.Name));
        Assert.Contains($"{unit}-web.1.service", result.Files.Select(f => f.Name));
        Assert.Contains(result.Warnings, w => w.Key == "name" && w.Message.EndsWith($"the units are named '{unit}'.", StringComparison.Ordinal));
        Validators.Systemd(app.Write(ExportFormat.Systemd, formation: formation));
    }

    [Fact]
    public void Warnings_NameTheTypeAndTheKey_ForWhatATargetCannotExpress()
    {
        using var app = new ExportFixture("web: w\nworker: k\n", "processes:\n  web: { ready: { output: listening } }\n  worker: { after: [web] }\n");
        Assert.Contains(app.Export(ExportFormat.Kubernetes).Warnings, w => w is { Type: "worker", Key: "after" });
        foreach (var format in Enum.GetValues<ExportFormat>())
            Assert.Contains(app.Export(format).Warnings, w => w is { Type: "web", Key: "ready.output" });
    }

    [Fact]
    public void Compose_DependsOn_ConditionFromTheDependency()
    {
        using var app = new ExportFixture("release: r\nweb: w\nworker: k\nclock: c\n",
            "processes:\n  release: { task: true }\n  web: { after: [release], ready: { tcp: true } }\n  worker: { after: [web], count: 2 }\n  clock: { after: [worker] }\n");
        var compose = ExportFixture.Text(app.Export(ExportFormat.Compose, new Engine.Export.ExportOptions { Build = "." }), "compose.yaml");
        Assert.Contains("release:\n        condition: service_completed_successfully", compose);
        Assert.Contains("web:\n        condition: service_healthy", compose);
        Assert.Contains("worker:\n        condition: service_started", compose);
        Assert.Contains("- \"5100:5100\"", compose);
        Assert.DoesNotContain("5200:5200", compose); // worker has two replicas
        Assert.Contains("restart: \"no\"", compose);
        Assert.Contains("build: \".\"", compose); // YAML 1.1 reads a plain . as a float
    }

    [Fact]
    public void Writer_DoesNotOverwrite_WithoutForce()
    {
        using var app = new ExportFixture("web: w\n");
        var result = app.Export(ExportFormat.Compose);
        var dir = app.Output(ExportFormat.Compose);
        ExportWriter.Write(result, dir, force: false);
        File.WriteAllText(Path.Combine(dir, "compose.yaml"), "mine");
        var ex = Assert.Throws<FormationConfigException>(() => ExportWriter.Write(result, dir, force: false));
        Assert.Equal(Path.Combine(dir, "compose.yaml"), ex.Errors[0].File);
        Assert.Contains("--force", ex.Errors[0].Message);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(dir, "compose.yaml")));
        ExportWriter.Write(result, dir, force: true);
        Assert.StartsWith("# Generated", File.ReadAllText(Path.Combine(dir, "compose.yaml")));
    }

    [Fact]
    public void Writer_PrivateFiles_AreReadableByTheOwnerOnly()
    {
        using var app = new ExportFixture("web: w\n", "env: { DB_PASSWORD: x }\n");
        var paths = app.Write(ExportFormat.Systemd);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(paths.Single(p => p.EndsWith(".env", StringComparison.Ordinal))));
    }
}
