namespace Formation.Cli.Tests;

/// <summary><c>formation export</c> as a user runs it: files, warnings, dry run, no overwrite without --force.</summary>
public class ExportCliTests : CliTest
{
    private void App()
    {
        Write("Procfile", "web: ./web -p $PORT\nworker: ./worker\n");
        Write("formation.yml", "processes:\n  web: { ready: { output: 'Listening' } }\n  worker: { after: [web] }\n");
    }

    [Fact]
    public async Task Export_Systemd_WritesUnits_AndWarnsWhatItCannotExpress()
    {
        App();
        var run = Run("export", "systemd", "-o", "units", "-m", "worker=2", "-p", "7000", "-a", "shop");

        Assert.Equal(0, await run.ExitCode());
        var units = Path.Combine(Dir, "units");
        Assert.Equal(
            ["shop-web.1.service", "shop-web.target", "shop-worker.1.service", "shop-worker.2.service", "shop-worker.target", "shop.target"],
            Directory.GetFiles(units).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Contains($"wrote {Path.Combine(units, "shop.target")}", run.Stdout);
        Assert.Contains("Environment=PORT=7101\n", File.ReadAllText(Path.Combine(units, "shop-worker.2.service")));
        Assert.Contains(run.Stderr, l => l.StartsWith("formation: warning: web: ready.output: "));
    }

    [Fact]
    public async Task Export_DryRun_ListsFiles_WritesNothing()
    {
        App();
        var run = Run("export", "compose", "--build", ".", "--dry-run", "-o", "deploy");

        Assert.Equal(0, await run.ExitCode());
        Assert.Equal([$"would write {Path.Combine(Dir, "deploy", "compose.yaml")}"], run.Stdout);
        Assert.False(Directory.Exists(Path.Combine(Dir, "deploy")));
    }

    [Fact]
    public async Task Export_ExistingFiles_NeedForce()
    {
        App();
        Assert.Equal(0, await Run("export", "kubernetes", "--image", "shop:1").ExitCode());
        var deployment = Path.Combine(Dir, "web-deployment.yaml");
        File.WriteAllText(deployment, "mine");

        var again = Run("export", "k8s", "--image", "shop:1");
        Assert.Equal(1, await again.ExitCode());
        Assert.Contains($"formation: {deployment}: exists: pass --force (-Force) to overwrite it.", again.Stderr);
        Assert.Equal("mine", File.ReadAllText(deployment));

        Assert.Equal(0, await Run("export", "kubernetes", "--image", "shop:1", "--force").ExitCode());
        Assert.Contains("kind: Deployment", File.ReadAllText(deployment));
    }

    [Fact]
    public async Task Export_KubernetesWithoutImage_ExitsOne_SayingWhatToPass()
    {
        App();
        var run = Run("export", "kubernetes");

        Assert.Equal(1, await run.ExitCode());
        Assert.Contains(run.Stderr, l => l.Contains("needs the image") && l.Contains("--image"));
    }

    [Fact]
    public async Task Export_UnknownFormat_IsAUsageError()
    {
        App();
        var run = Run("export", "upstart");

        Assert.Equal(2, await run.ExitCode());
    }
}
