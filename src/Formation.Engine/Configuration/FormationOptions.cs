namespace Formation.Engine.Configuration;

/// <summary>Everything needed to start a formation. Hosts (the CLI, the cmdlets) fill it from their parameters.</summary>
public sealed record FormationOptions
{
    /// <summary>Path of the Procfile.</summary>
    public required string Procfile { get; init; }

    /// <summary>Name of the formation; defaults to the name of the Procfile's directory.</summary>
    public string? Name { get; init; }

    /// <summary>.env files, later wins. Null means <c>.env</c> beside the Procfile if it exists; empty means none.</summary>
    public IReadOnlyList<string>? EnvFiles { get; init; }

    /// <summary>Explicit variables; they override the inherited environment and .env files.</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>
    /// The environment the processes inherit. Null means this process's environment, as it is when the plan is
    /// made: the plan's own options then hold that copy, so a reload re-reads the files, not the host's environment.
    /// </summary>
    public IReadOnlyDictionary<string, string>? InheritedEnvironment { get; init; }

    /// <summary>Counts per type (<c>all</c> sets the default). Types not named run 1 instance.</summary>
    public IReadOnlyDictionary<string, int>? Scale { get; init; }

    /// <summary>If not empty, only these types run (others get 0 unless <see cref="Scale"/> names them).</summary>
    public IReadOnlyList<string>? Types { get; init; }

    /// <summary>Base port; overrides PORT from .env files and the inherited environment.</summary>
    public int? Port { get; init; }

    /// <summary>Directory the processes run in; defaults to the Procfile's directory.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>formation.yml. Null means <c>formation.yml</c> beside the Procfile if it exists; empty means none.</summary>
    public string? Config { get; init; }

    /// <summary>Time between the stop signal and SIGKILL. Null: formation.yml's, else 5 s.</summary>
    public TimeSpan? StopTimeout { get; init; }

    /// <summary>Signal sent to each process group to stop it (TERM, INT, QUIT, HUP, USR1, USR2, KILL). Null: formation.yml's per type, else TERM.</summary>
    public string? StopSignal { get; init; }

    /// <summary>What happens when a process ends by itself. Null: formation.yml's per type, else on-failure.</summary>
    public RestartPolicy? Restart { get; init; }

    /// <summary>Start even when a PORT is already in use by another process.</summary>
    public bool Force { get; init; }

    /// <summary>Foreman's behaviour: when a process ends and is not restarted, stop everything.</summary>
    public bool ExitOnError { get; init; }

    /// <summary>
    /// Stop in reverse start order when formation.yml has <c>after</c>: dependents first, then what they depend on.
    /// False stops every type at once. Null: formation.yml's <c>ordered_stop</c>, else true.
    /// </summary>
    public bool? OrderedStop { get; init; }

    /// <summary>Backoff and crash-loop limits.</summary>
    public RestartSettings RestartSettings { get; init; } = RestartSettings.Default;

    /// <summary>Where each process's output is also written, one rotated file per process. Null: formation.yml's <c>log_dir</c>, else none.</summary>
    public string? LogDirectory { get; init; }

    /// <summary>Output lines kept per process for later reading.</summary>
    public int LogBufferSize { get; init; } = 1000;
}
