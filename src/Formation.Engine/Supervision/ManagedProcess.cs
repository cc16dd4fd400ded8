using Formation.Engine.Configuration;
using Formation.Engine.Os;

namespace Formation.Engine.Supervision;

/// <summary>One run of an instance: a spawned process group and its output readers.</summary>
internal sealed class ProcessRun(int pid, DateTimeOffset started)
{
    /// <summary>Cancelled when the run ends or becomes ready: stops its readiness probe.</summary>
    public CancellationTokenSource Probe { get; } = new();

    /// <summary>Completes true when the run is ready, false when it ended or timed out first.</summary>
    public TaskCompletionSource<bool> Ready { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The output probe's pattern while it is waiting for a match (read by the reader threads).</summary>
    public volatile System.Text.RegularExpressions.Regex? OutputProbe;

    public ITimer? ReadyTimer;

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
internal sealed class ManagedProcess(TypeSettings settings, int index, int? port, IReadOnlyDictionary<string, string> environment, int logBufferSize)
{
    /// <summary>Output lines kept for the crash record, whatever the log buffer's size.</summary>
    public const int LastOutputLines = 20;

    public TypeSettings Settings { get; } = settings;
    public ProcessType Type => Settings.Type;
    public int Index { get; } = index;
    public string Name { get; } = $"{settings.Type.Name}.{index}";
    public int? Port { get; } = port;
    public IReadOnlyDictionary<string, string> Environment { get; } = environment;
    public RestartTracker Tracker { get; } = new(settings.RestartSettings);
    public LogBuffer Log { get; } = new(logBufferSize);
    public LogBuffer Recent { get; } = new(LastOutputLines);

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

    /// <summary>Ready for its dependents: a task that exited 0; otherwise running and past its probe (if it has one).</summary>
    public bool IsReady => Settings.Task
        ? State == ProcessState.Exited
        : State == ProcessState.Ready || (State == ProcessState.Running && Settings.Ready is null);

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
        IsReady = IsReady,
        IsTask = Settings.Task,
        LastOutput = Recent.Snapshot().Select(l => l.Line).ToArray(),
        FailureReason = FailureReason,
        NextRestart = NextRestart,
        SnapshotTime = now,
    };
}
