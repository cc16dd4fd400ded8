using Formation.Engine.Configuration;
using Formation.Engine.Export;

namespace Formation.Engine.Tests.Export;

/// <summary>An app directory in a temporary folder: a Procfile, formation.yml and .env, exported and written.</summary>
internal sealed class ExportFixture : IDisposable
{
    public ExportFixture(string procfile, string? formationYml = null, string? dotEnv = null)
    {
        Root = Directory.CreateTempSubdirectory("formation-export-").FullName;
        App = Path.Combine(Root, "app");
        Directory.CreateDirectory(App);
        File.WriteAllText(Path.Combine(App, "Procfile"), procfile);
        if (formationYml is not null) File.WriteAllText(Path.Combine(App, "formation.yml"), formationYml);
        if (dotEnv is not null) File.WriteAllText(Path.Combine(App, ".env"), dotEnv);
    }

    public string Root { get; }
    public string App { get; }

    public string Output(ExportFormat format) => Path.Combine(App, "deploy", format.ToString().ToLowerInvariant());

    public ExportResult Export(ExportFormat format, ExportOptions? options = null, FormationOptions? formation = null) =>
        Exporter.Export(format, formation ?? new FormationOptions { Procfile = Path.Combine(App, "Procfile") },
            options ?? new ExportOptions { Image = "example/app:1" }, Output(format));

    /// <summary>Exports and writes the files; their full paths.</summary>
    public IReadOnlyList<string> Write(ExportFormat format, ExportOptions? options = null, FormationOptions? formation = null) =>
        ExportWriter.Write(Export(format, options, formation), Output(format), force: true);

    public static string Text(ExportResult result, string name) => result.Files.Single(f => f.Name == name).Content;

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
