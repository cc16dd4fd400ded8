namespace Formation.PowerShell;

/// <summary>A file Export-Formation wrote (with -PassThru). The module's own type, so Formation.dll's public surface names no engine type.</summary>
public sealed class ExportedFile
{
    public ExportedFile(string path, string kind, string content)
    {
        Path = path;
        Kind = kind;
        Content = content;
    }

    /// <summary>The full path written.</summary>
    public string Path { get; }

    /// <summary>target, service, env (systemd); Deployment, Service, Job, ConfigMap, Secret (Kubernetes); compose, env (Compose).</summary>
    public string Kind { get; }

    /// <summary>The text written.</summary>
    public string Content { get; }

    public override string ToString() => Path;
}
