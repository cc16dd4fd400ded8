namespace Formation.Engine.Export;

// The part of the Compose specification the export writes. Property order is the order in the file;
// null properties are left out.

/// <summary>A Compose file.</summary>
internal sealed class ComposeModel
{
    public Dictionary<string, ComposeService> Services { get; set; } = [];
}

/// <summary>One service: a process type.</summary>
internal sealed class ComposeService
{
    public string? Image { get; set; }
    public string? Build { get; set; }
    public List<string>? Command { get; set; }
    public string? WorkingDir { get; set; }
    public List<string>? EnvFile { get; set; }
    public Dictionary<string, string>? Environment { get; set; }
    public ComposeDeploy? Deploy { get; set; }
    public ComposeHealthcheck? Healthcheck { get; set; }
    public Dictionary<string, ComposeDependency>? DependsOn { get; set; }
    public string? Restart { get; set; }
    public string? StopSignal { get; set; }
    public string? StopGracePeriod { get; set; }
    public List<string>? Ports { get; set; }
}

internal sealed class ComposeDeploy
{
    public int Replicas { get; set; }
}

internal sealed class ComposeHealthcheck
{
    public List<string> Test { get; set; } = [];
    public string? Interval { get; set; }
    public string? Timeout { get; set; }
    public int Retries { get; set; }
    public string? StartPeriod { get; set; }
}

internal sealed class ComposeDependency
{
    public string Condition { get; set; } = "service_started";
}
