using Formation.Engine.Configuration;
using Formation.Engine.Os;

namespace Formation.Engine.Supervision;

/// <summary>What <see cref="SupervisionPolicy"/> may read of one instance.</summary>
internal interface IProcessView
{
    /// <summary><c>web.1</c>.</summary>
    string Name { get; }

    TypeSettings Settings { get; }
    ProcessState State { get; }

    /// <summary>A run whose leader has not ended yet.</summary>
    bool IsLive { get; }

    /// <summary>Ready for its dependents: a task that exited 0; otherwise running and past its probe (if it has one).</summary>
    bool IsReady { get; }

    /// <summary>The current run's probe did not pass within ready_timeout.</summary>
    bool NotReadyInTime { get; }

    bool Removed { get; }

    /// <summary>A stop was asked for: its next exit is not a crash and is not restarted.</summary>
    bool StopRequested { get; }

    bool RestartPending { get; }

    /// <summary>Unrequested ends counted for the crash-loop limit, oldest first.</summary>
    IReadOnlyList<DateTimeOffset> Ends { get; }

    string? FailureReason { get; }

    /// <summary>The last output lines as a message tail (<c>\nLast output of web.1:\n  …</c>), or empty.</summary>
    string LastLines { get; }
}

/// <summary>What <see cref="SupervisionPolicy"/> may read of the formation.</summary>
internal interface IFormationView
{
    FormationState State { get; }
    bool ExitOnError { get; }

    /// <summary>Types whose instances have not been started yet (they wait for their <c>after</c> types), in Procfile order.</summary>
    IReadOnlyList<string> PendingTypes { get; }

    IReadOnlyList<IProcessView> Processes { get; }

    TypeSettings SettingsOf(string type);
}

/// <summary>Something that happened, as the policy sees it (the facts are already recorded in the state).</summary>
internal abstract record Happening
{
    /// <summary>The leader of a run ended without being asked to stop, or while a stop was under way.</summary>
    public sealed record Ended(IProcessView Process, WaitStatus Status, TimeSpan RunTime) : Happening;

    /// <summary>A spawn failed (command not found, directory missing, …): the instance is Failed.</summary>
    public sealed record SpawnFailed(IProcessView Process, string Reason) : Happening;

    /// <summary>The probe did not pass within ready_timeout.</summary>
    public sealed record ReadyTimedOut(IProcessView Process) : Happening;

    /// <summary>The backoff of a scheduled restart has passed.</summary>
    public sealed record RestartDue(IProcessView Process) : Happening;

    /// <summary>A signalled group is still alive at its stop timeout, or a kill was asked for.</summary>
    public sealed record StopDeadline(string Name, int Pgid, int Signal, TimeSpan Timeout, bool KillRequested) : Happening;
}

/// <summary>What the policy decides; the supervisor carries it out.</summary>
internal abstract record Decision
{
    public sealed record ScheduleRestart(IProcessView Process, TimeSpan Delay, IReadOnlyList<DateTimeOffset> Ends) : Decision;

    /// <summary>No more restarts: the instance becomes Failed with the reason.</summary>
    public sealed record GiveUp(IProcessView Process, string Reason, IReadOnlyList<DateTimeOffset> Ends) : Decision;

    public sealed record Spawn(IProcessView Process) : Decision;

    /// <summary>Start the type's instances (it was pending); the line says why, when it waited.</summary>
    public sealed record StartType(string Type, string? Line) : Decision;

    /// <summary>Stop every process; the formation ends with the result.</summary>
    public sealed record EndFormation(FormationResult Result, string Line) : Decision;

    public sealed record KillGroup(int Pgid, string Line) : Decision;
}
