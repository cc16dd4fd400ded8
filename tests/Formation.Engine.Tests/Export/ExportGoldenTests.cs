using Formation.Engine.Export;

namespace Formation.Engine.Tests.Export;

/// <summary>
/// The example app (examples/) exported to each target matches the files under Export/Golden, and the
/// target's own validator accepts them. After a deliberate change, regenerate with
/// <c>FORMATION_UPDATE_GOLDEN=1 dotnet test tests/Formation.Engine.Tests --filter ExportGoldenTests</c>.
/// </summary>
public class ExportGoldenTests
{
    /// <summary>Where the example app is copied to in the golden files, so they hold no machine's paths.</summary>
    private const string GoldenRoot = "/srv/formation";

    [SkippableTheory]
    [InlineData(ExportFormat.Systemd)]
    [InlineData(ExportFormat.Kubernetes)]
    [InlineData(ExportFormat.Compose)]
    public void Examples_MatchGoldenFiles_AndTheValidatorAcceptsThem(ExportFormat format)
    {
        var examples = Path.Combine(Validators.Repository, "examples");
        using var app = new ExportFixture(
            File.ReadAllText(Path.Combine(examples, "Procfile")),
            File.ReadAllText(Path.Combine(examples, "formation.yml")),
            File.ReadAllText(Path.Combine(examples, ".env")));
        var result = app.Export(format, new Formation.Engine.Export.ExportOptions { Image = "example/app:1" },
            new Engine.Configuration.FormationOptions { Procfile = Path.Combine(app.App, "Procfile"), Name = "example" });
        var written = ExportWriter.Write(result, app.Output(format), force: false);

        var golden = Path.Combine(Validators.Repository, "tests", "Formation.Engine.Tests", "Export", "Golden", format.ToString().ToLowerInvariant());
        if (Environment.GetEnvironmentVariable("FORMATION_UPDATE_GOLDEN") == "1")
        {
            if (Directory.Exists(golden)) Directory.Delete(golden, recursive: true);
            Directory.CreateDirectory(golden);
            foreach (var f in result.Files) File.WriteAllText(Path.Combine(golden, f.Name), f.Content.Replace(app.Root, GoldenRoot));
        }
        Assert.Equal(Directory.GetFiles(golden).Select(Path.GetFileName).Order(), result.Files.Select(f => f.Name).Order());
        foreach (var f in result.Files)
            Assert.Equal(File.ReadAllText(Path.Combine(golden, f.Name)), f.Content.Replace(app.Root, GoldenRoot));

        switch (format)
        {
            case ExportFormat.Systemd: Validators.Systemd(written); break;
            case ExportFormat.Compose: Validators.Compose(written.Where(p => p.EndsWith(".yaml", StringComparison.Ordinal)).ToArray()); break;
            default: Assert.Equal(result.Files.Count, Validators.Kubernetes(written)); break;
        }
    }
}
