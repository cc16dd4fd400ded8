using Formation.Engine.Configuration;
using Formation.Engine.Output;
using Formation.Engine.Supervision;
using EngineProcess = Formation.Engine.Supervision.FormationProcess;
using EngineState = Formation.Engine.Supervision.FormationState;

namespace Formation.PowerShell;

/// <summary>
/// What the cmdlets do to a formation, wherever it runs: one started in this session (<see cref="LocalAccess"/>)
/// or one reached through its control endpoint (<see cref="RemoteAccess"/>: a `formation start` in another
/// shell, or another pwsh). The cmdlets call these and nothing else, so each works on both the same way.
/// </summary>
internal abstract class FormationAccess
{
    public abstract string Name { get; }

    /// <summary>The engine's formation when it runs in this session; null for a remote one.</summary>
    public virtual ProcessFormation? Local => null;

    /// <summary>The pid of the process that runs it, for a remote formation.</summary>
    public virtual int? OwnerProcessId => null;

    public abstract EngineState State { get; }
    public abstract string Procfile { get; }
    public abstract string WorkingDirectory { get; }
    public abstract IReadOnlyDictionary<string, int> Scale { get; }
    public abstract DateTimeOffset? StartTime { get; }

    /// <summary>The formation's base port, as its plan says (the same for a local and a remote formation).</summary>
    public abstract int? BasePort { get; }

    /// <summary>The options it was started with, as far as this side knows them (to name a configuration error's file).</summary>
    public virtual FormationOptions Options => new() { Procfile = Procfile };

    /// <summary>How it ended, once it has: the engine's outcome (for a remote formation, as its endpoint said).</summary>
    public virtual FormationOutcome? Outcome => null;

    /// <summary>Why nobody can say how it ended (its owner was killed), once a wait has found that out; else null.</summary>
    public virtual global::Formation.Engine.FormationException? Lost => null;

    public abstract IReadOnlyList<EngineProcess> Processes();
    public abstract IReadOnlyList<string> Types();
    public abstract IReadOnlyList<LogLine> Log();
    public abstract IReadOnlyList<EnvironmentVariable> Environment(string? process, bool showSecrets);
    public abstract Task<EngineProcess> StartProcessAsync(string name, CancellationToken cancellationToken);
    public abstract Task<EngineProcess> StopProcessAsync(string name, TimeSpan? timeout, CancellationToken cancellationToken);
    public abstract Task<EngineProcess> RestartProcessAsync(string name, TimeSpan? timeout, CancellationToken cancellationToken);
    public abstract Task<ScaleResult> ScaleAsync(string type, int count, CancellationToken cancellationToken);
    public abstract Task<ReloadPlan> ReloadAsync(bool dryRun, CancellationToken cancellationToken);
    public abstract Task StopAsync(TimeSpan? timeout);

    /// <summary>Whether it is known to have ended (without asking another process).</summary>
    public abstract bool HasEnded { get; }

    /// <summary>Completes when the formation has ended, or is cancelled with <paramref name="cancellationToken"/>.</summary>
    public abstract Task WhenEndedAsync(CancellationToken cancellationToken);

    /// <summary>New output lines until the formation ends, for Get-FormationLog -Wait (each line given to <paramref name="line"/>).</summary>
    public abstract IDisposable Follow(Action<LogLine> line);
}
