using Formation.Engine.Configuration;
using Formation.Engine.Os;

namespace Formation.Engine.Supervision;

/// <summary>One run of an instance: a spawned process group and its output readers.</summary>
internal sealed class ProcessRun(int pid, DateTimeOffset started)
{
    private readonly TaskCompletionSource _readersDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _openStreams = 2;

    /// <summary>The leader's pid, which is also the group id.</summary>
    public int Pid { get; } = pid;

    public DateTimeOffset Started { get; } = started;

    /// <summary>Completes when both output pipes reached end of file.</summary>
    public Task ReadersDone => _readersDone.Task;

    /// <summary>Called by each of the two readers when its pipe reaches end of file.</summary>
    public void ReaderFinished()
    {
        if (Interlocked.Decrement(ref _openStreams) == 0) _readersDone.TrySetResult();
    }

    /// <summary>Completes when the leader's exit has been handled.</summary>
    public TaskCompletionSource<WaitStatus> Exited { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>An instance slot (<c>web.1</c>): its fixed identity, environment and port, and its current run.</summary>
/// <remarks>All mutable fields are guarded by the owning formation's lock.</remarks>
internal sealed class ManagedProcess(ProcessType type, int index, int port, IReadOnlyDictionary<string, string> environment,
    RestartSettings restartSettings, int logBufferSize)
{
    public ProcessType Type { get; } = type;
    public int Index { get; } = index;
    public string Name { get; } = $"{type.Name}.{index}";
    public int Port { get; } = port;
    public IReadOnlyDictionary<string, string> Environment { get; } = environment;
    public RestartTracker Tracker { get; } = new(restartSettings);
    public LogBuffer Log { get; } = new(logBufferSize);

    public ProcessState State;
    public ProcessRun? Run;
    public int? LastPid;
    public DateTimeOffset? StartTime;
    public DateTimeOffset? ExitTime;
    public WaitStatus? ExitStatus;
    public int Restarts;
    public string? FailureReason;
    public DateTimeOffset? NextRestart;
    public ITimer? RestartTimer;

    /// <summary>Bumped on every spawn and on every cancelled restart, so stale timers do nothing.</summary>
    public int Generation;

    /// <summary>Set while a stop was asked for: the next exit is not a crash and is not restarted.</summary>
    public bool StopRequested;

    /// <summary>Set when scaled away: it is removed once stopped.</summary>
    public bool Removed;

    /// <summary>Whether a state change has been announced yet (the first has no previous state).</summary>
    public bool Announced;

    public bool IsLive => Run is not null;

    public void CancelRestart()
    {
        RestartTimer?.Dispose();
        RestartTimer = null;
        NextRestart = null;
        Generation++;
    }

    public FormationProcess Snapshot(string formation, DateTimeOffset now) => new()
    {
        Formation = formation,
        Name = Name,
        Type = Type.Name,
        Index = Index,
        ProcessId = Run?.Pid ?? LastPid,
        State = State,
        ExitCode = ExitStatus?.ExitCode,
        Signal = ExitStatus?.Signal is { } s ? Signals.Name(s) : null,
        StartTime = StartTime,
        ExitTime = Run is null ? ExitTime : null,
        Restarts = Restarts,
        Port = Port,
        Command = Type.Command,
        FailureReason = FailureReason,
        NextRestart = NextRestart,
        SnapshotTime = now,
    };
}
