namespace Formation.Engine.Export;

/// <summary>The engines a formation can be exported to: each runs the formation across machines.</summary>
public enum ExportFormat
{
    /// <summary>systemd units: a target for the app, one per type, a service per instance.</summary>
    Systemd,

    /// <summary>Kubernetes manifests: a Deployment (and Service) per type, a Job per task, a ConfigMap and a Secret.</summary>
    Kubernetes,

    /// <summary>A Compose file: a service per type.</summary>
    Compose,
}
