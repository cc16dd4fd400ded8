using Formation.Engine.Configuration;

namespace Formation.Engine.Export;

/// <summary>
/// Writes what an existing engine runs: systemd units, Kubernetes manifests or a Compose file, from the
/// same Procfile, formation.yml, .env files and options as <c>start</c>. Formation runs nothing here.
/// </summary>
public static class Exporter
{
    /// <summary>Builds the files of one target, with a warning for each setting the target cannot express.</summary>
    /// <exception cref="FormationConfigException">The formation or the export options are invalid (Kubernetes without an image...).</exception>
    public static ExportResult Export(ExportFormat format, FormationOptions formation, ExportOptions options, string outputDirectory)
    {
        ArgumentNullException.ThrowIfNull(formation);
        ArgumentNullException.ThrowIfNull(options);
        var source = ExportSource.Create(formation);
        var output = Path.GetFullPath(outputDirectory);
        var result = format switch
        {
            ExportFormat.Systemd => SystemdExporter.Export(source, options, output),
            ExportFormat.Kubernetes => KubernetesExporter.Export(source, options),
            ExportFormat.Compose => ComposeExporter.Export(source, options, output),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown export format."),
        };
        // Names are made distinct where they are made; two files of one name would be a silent overwrite.
        if (result.Files.GroupBy(f => f.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new InvalidOperationException($"The {format} export made two files named '{twice.Key}'.");
        return result;
    }

    /// <summary>Parses <c>systemd</c>, <c>kubernetes</c> (or <c>k8s</c>), <c>compose</c>, in any case.</summary>
    public static ExportFormat? ParseFormat(string text) => text.ToLowerInvariant() switch
    {
        "systemd" => ExportFormat.Systemd,
        "kubernetes" or "k8s" => ExportFormat.Kubernetes,
        "compose" or "docker-compose" => ExportFormat.Compose,
        _ => null,
    };
}
