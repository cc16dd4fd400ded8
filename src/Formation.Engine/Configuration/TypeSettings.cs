namespace Formation.Engine.Configuration;

/// <summary>The effective settings of one process type: formation.yml, overridden by options, over the defaults.</summary>
public sealed record TypeSettings
{
    /// <summary>How long a probe may take before the instance counts as not ready, unless formation.yml says.</summary>
    public static readonly TimeSpan DefaultReadyTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The stop timeout unless formation.yml or an option says.</summary>
    public static readonly TimeSpan DefaultStopTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How long a stop waits for a group to be gone after SIGKILL, after its stop timeout.</summary>
    public static readonly TimeSpan KillWait = TimeSpan.FromSeconds(5);

    public required ProcessType Type { get; init; }
    public required int Count { get; init; }
    public required RestartPolicy Restart { get; init; }
    public required RestartSettings RestartSettings { get; init; }

    /// <summary>The stop signal's number on this platform.</summary>
    public required int StopSignal { get; init; }

    public required TimeSpan StopTimeout { get; init; }

    /// <summary>PORT of instance 1, or null when the type gets no PORT (<c>port: none</c>).</summary>
    public required int? BasePort { get; init; }

    /// <summary>Whether the base port is the type's own (formation.yml <c>port</c>), not the formation's base + 100 × position.</summary>
    public bool FixedPort { get; init; }

    public ReadyProbe? Ready { get; init; }
    public TimeSpan ReadyTimeout { get; init; } = DefaultReadyTimeout;

    /// <summary>Types whose every instance must be ready (tasks: exited 0) before this type starts.</summary>
    public IReadOnlyList<string> After { get; init; } = [];

    /// <summary>A one-shot task, never restarted.</summary>
    public bool Task { get; init; }

    public required string WorkingDirectory { get; init; }

    /// <summary>formation.yml's env for this type, with provenance.</summary>
    public IReadOnlyDictionary<string, EnvValue> Env { get; init; } = new Dictionary<string, EnvValue>();
}
