using Formation.Engine.Configuration;
using Formation.Engine.Os;

namespace Formation.Engine.Supervision;

/// <summary>What <see cref="SupervisionPolicy"/> may read of one instance.</summary>
internal interface IProcessView
{
    /// <summary><c>web.1</c>.</summary>
    string Name { get; }

    /// <summary>1 for <c>web.1</c>.</summary>
    int Index { get; }

    /// <summary>The settings of its current run (or of its next, when it does not run).</summary>
    TypeSettings Settings { get; }

    /// <summary>The PORT of its current run, or null (<c>port: none</c>).</summary>
    int? Port { get; }

    /// <summary>The environment of its current run.</summary>
    IReadOnlyDictionary<string, string> Environment { get; }
    ProcessState State { get; }

    /// <summary>A run whose leader has not ended yet.</summary>
    bool IsLive { get; }

    /// <summary>A run, a group still being stopped, or a spawn under way: what an ordered stop waits for before it stops what this depends on.</summary>
    bool IsUp { get; }

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

    /// <summary>How the last run ended, when it has.</summary>
    WaitStatus? ExitStatus { get; }

    /// <summary>The last output lines (at most 10), oldest first: the tail of a crash record.</summary>
    IReadOnlyList<string> LastOutput { get; }
}

/// <summary>What <see cref="SupervisionPolicy"/> may read of the formation.</summary>
internal interface IFormationView
{
    string Name { get; }
    FormationState State { get; }
    bool ExitOnError { get; }

    /// <summary>A stop goes in reverse start order (dependents first): ordered stop is on and no kill was asked for.</summary>
    bool StopInOrder { get; }

    /// <summary>Types whose instances have not been started yet (they wait for their <c>after</c> types), in Procfile order.</summary>
    IReadOnlyList<string> PendingTypes { get; }

    IReadOnlyList<IProcessView> Processes { get; }

    /// <summary>The instances that ended Failed (could not start, gave up) and were not started again since, in order.</summary>
    IReadOnlyList<ProcessFailure> Failures { get; }

    TypeSettings SettingsOf(string type);
}
