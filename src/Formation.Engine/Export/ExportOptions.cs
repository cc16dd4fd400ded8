namespace Formation.Engine.Export;

/// <summary>What an export needs beyond the formation itself.</summary>
public sealed record ExportOptions
{
    /// <summary>The container image (Kubernetes: required; Compose: this or <see cref="Build"/>).</summary>
    public string? Image { get; init; }

    /// <summary>Compose: the build context, relative to the output directory or absolute.</summary>
    public string? Build { get; init; }

    /// <summary>systemd: the user the services run as (<c>User=</c>).</summary>
    public string? User { get; init; }

    /// <summary>Containers: where the app's directory (the Procfile's) is inside the image.</summary>
    public string AppDirectory { get; init; } = "/app";
}
