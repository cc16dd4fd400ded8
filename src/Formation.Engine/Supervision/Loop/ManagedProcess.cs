using Formation.Engine.Configuration;
using Formation.Engine.Os;
using Formation.Engine.Output;

namespace Formation.Engine.Supervision;

/// <summary>
/// An instance slot (<c>web.1</c>): its fixed identity, environment and port, and its current run. Only the
/// <see cref="Supervisor"/>'s loop calls its methods; the output readers touch only <see cref="Recent"/> and
/// <see cref="Log"/>, which are thread-safe.
/// </summary>
internal sealed class ManagedProcess(TypeSettings settings, int index, int? port, IReadOnlyDictionary<string, string> environment, int logBufferSize)
    : IProcessView
{
    /// <summary>Output lines kept for the crash record, whatever the log buffer's size.</summary>
    public const int LastOutputLines = 20;

    /// <summary>The settings of the current run, or of the next when it does not run; a reload changes them (<see cref="Adopt"/>, <see cref="Redefine"/>).</summary>
    public TypeSettings Settings { get; private set; } = settings;
    public ProcessType Type => Settings.Type;
    public int Index { get; } = index;
    public string Name { get; } = InstanceName.Of(settings.Type.Name, index);
    public int? Port { get; private set; } = port;
    public IReadOnlyDictionary<string, string> Environment { get; private set; } = environment;

    /// <summary>What the next spawn runs, when a reload changed the definition while a run was live.</summary>
    public InstanceSpec? Pending { get; private set; }
    public LogBuffer Log { get; } = new(logBufferSize);
    public LogBuffer Recent { get; } = new(LastOutputLines);

    public ProcessState State { get; private set; }
    public ProcessRun? Run { get; private set; }
    public int? LastPid { get; private set; }
    public DateTimeOffset? StartTime { get; private set; }
    public DateTimeOffset? ExitTime { get; private set; }
    public WaitStatus? ExitStatus { get; private set; }
    public int Restarts { get; private set; }
    public string? FailureReason { get; private set; }
    public DateTimeOffset? NextRestart { get; private set; }
    public IReadOnlyList<DateTimeOffset> Ends { get; private set; } = [];

    /// <summary>Bumped on every spawn and every cancelled restart, so stale timers and spawns do nothing.</summary>
    public int Generation { get; private set; }

    public bool StopRequested { get; private set; }
    public bool Removed { get; private set; }

    /// <summary>Whether a state change has been announced yet (the first has no previous state).</summary>
    public bool Announced { get; private set; }

    /// <summary>The stop under way for the current run, if one is.</summary>
    public GroupStop? Stopping { get; private set; }

    private ITimer? _restartTimer;
    private bool _restartRequested;

    public bool IsLive => Run is not null;
    public bool IsUp => Run is not null || Stopping is not null || SpawningGeneration is not null;
    /// <summary>A restart is due (backoff) or under way on request: the formation must not count it as ended.</summary>
    public bool RestartPending => NextRestart is not null || _restartRequested;
    public bool NotReadyInTime => Run is { Ready.Task: { IsCompleted: true, Result: false } };

    public bool IsReady => Settings.Task
        ? State == ProcessState.Exited
        : State == ProcessState.Ready || (State == ProcessState.Running && Settings.Ready is null);

    public IReadOnlyList<string> LastOutput => Recent.Snapshot(10).Select(l => l.Line).ToArray();

    /// <summary>The generation of the spawn under way at the edge, if one is: a second spawn must not start beside it.</summary>
    public int? SpawningGeneration { get; private set; }

    /// <summary>Sets the state; returns the previous one, or null when this is the first announced.</summary>
    public ProcessState? SetState(ProcessState state)
    {
        var previous = Announced ? State : (ProcessState?)null;
        State = state;
        Announced = true;
        return previous;
    }

    /// <summary>A spawn is about to begin: returns its generation, which the spawn's report must carry. A pending definition is taken now.</summary>
    public int BeginSpawn(bool isRestart)
    {
        if (Pending is { } next) Take(next);
        CancelRestart();
        _restartRequested = false;
        StopRequested = false;
        if (isRestart) Restarts++;
        SpawningGeneration = ++Generation;
        return Generation;
    }

    public void Started(ProcessRun run, DateTimeOffset now)
    {
        SpawningGeneration = null;
        Run = run;
        LastPid = run.Pid;
        StartTime = now;
        ExitTime = null;
        ExitStatus = null;
        FailureReason = null;
    }

    public void Ended(WaitStatus status, DateTimeOffset now)
    {
        Run = null;
        ExitStatus = status;
        ExitTime = now;
    }

    public void CouldNotStart(string reason, DateTimeOffset now)
    {
        SpawningGeneration = null;
        FailureReason = reason;
        ExitStatus = null;
        ExitTime = now;
    }

    public void GiveUp(string reason, IReadOnlyList<DateTimeOffset> ends)
    {
        FailureReason = reason;
        Ends = ends;
    }

    /// <summary>Records the ends and the due time; <paramref name="timer"/> is given the generation its tick must carry.</summary>
    public void ScheduleRestart(DateTimeOffset at, IReadOnlyList<DateTimeOffset> ends, Func<int, ITimer> timer)
    {
        CancelRestart();
        Ends = ends;
        NextRestart = at;
        _restartTimer = timer(Generation);
    }

    /// <summary>A start on request begins a fresh crash-loop count.</summary>
    public void ForgetEnds() => Ends = [];

    public void RequestStop()
    {
        StopRequested = true;
        _restartRequested = false;
        CancelRestart();
    }

    /// <summary>A restart on request has begun: its run is stopped, and it is spawned again next.</summary>
    public void RequestRestart() => _restartRequested = true;

    public void MarkRemoved()
    {
        Removed = true;
        RequestStop();
    }

    public void BeginStopping(GroupStop stop) => Stopping = stop;

    /// <summary>A reload changed only what the supervisor reads (restart policy, stop signal and timeout, after): the run goes on under them.</summary>
    public void Adopt(TypeSettings settings)
    {
        Settings = settings;
        Pending = null;
    }

    /// <summary>A reload changed what the instance runs: it is taken now when nothing runs or is being spawned, else at the next spawn.</summary>
    public void Redefine(InstanceSpec next)
    {
        if (Run is null && SpawningGeneration is null && Stopping is null) Take(next);
        else Pending = next;
    }

    private void Take(InstanceSpec next)
    {
        (Settings, Port, Environment) = (next.Settings, next.Port, next.Environment);
        Pending = null;
    }

    /// <summary>The stop has ended: the run's group is gone.</summary>
    public void Stopped(GroupStop stop)
    {
        if (Run == stop.Run) Run = null;
        if (Stopping == stop) Stopping = null;
    }

    public void CancelRestart()
    {
        _restartTimer?.Dispose();
        _restartTimer = null;
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
