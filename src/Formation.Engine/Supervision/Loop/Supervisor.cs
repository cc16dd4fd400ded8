using System.Diagnostics;
using System.Threading.Channels;
using Formation.Engine.Configuration;
using Formation.Engine.Os;
using Formation.Engine.Output;

namespace Formation.Engine.Supervision;

/// <summary>
/// The one loop of a formation. It owns every piece of mutable supervision state and is the only reader of
/// one channel: requests from the public API (posted by <see cref="ProcessFormation"/>, answered through
/// their tasks) and reports from the edges (spawns, exits, probes, timers, group stops). It takes no lock
/// and does no I/O that can block; what follows a report is decided by <see cref="SupervisionPolicy"/>.
/// </summary>
internal sealed partial class Supervisor : IFormationView
{
    private readonly Channel<object> _inbox = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<ManagedProcess> _processes = [];
    private readonly List<string> _pending = [];
    private readonly List<TaskCompletionSource> _readyWaiters = [];
    private readonly List<TaskCompletionSource> _spawnWaiters = [];
    private readonly List<(string Name, int Pgid)> _strays = [];
    private readonly HashSet<GroupStop> _stops = [];
    private readonly CancellationTokenSource _killNow = new();
    private readonly EventDispatcher _events;
    private readonly OutputFlow _flow;
    private readonly Spawner _spawner;
    private readonly TimeProvider _time;
    private volatile FormationState _state = FormationState.Running;
    private FormationResult? _result;
    private TimeSpan? _stopTimeout;
    private bool _started;
    private bool _stopping;
    private bool _sweeping;
    private int _spawning;

    public Supervisor(FormationPlan plan, TimeProvider time, EventDispatcher events, OutputFlow flow)
    {
        Plan = plan;
        _time = time;
        _events = events;
        _flow = flow;
        _spawner = new Spawner(m => Post(m), time);
        _ = Task.Run(RunAsync);
    }

    public FormationPlan Plan { get; }
    public string Name => Plan.Name;

    /// <summary>Written by the loop only; safe to read from any thread.</summary>
    public FormationState State => _state;

    public bool ExitOnError => Plan.Options.ExitOnError;
    public IReadOnlyList<string> PendingTypes => _pending;
    public IReadOnlyList<IProcessView> Processes => _processes;
    public TypeSettings SettingsOf(string type) => Plan.Settings(Plan.Procfile.Find(type)!);

    private DateTimeOffset Now => _time.GetLocalNow();

    /// <summary>Queues a message for the loop (from any thread). False once the loop has been shut down.</summary>
    public bool Post(object message) => _inbox.Writer.TryWrite(message);

    /// <summary>Runs <paramref name="body"/> on the loop and completes with its answer (or its exception).</summary>
    public Task<T> Call<T>(Func<T> body)
    {
        var answer = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var request = new Request(() =>
        {
            try
            {
                answer.TrySetResult(body());
            }
            catch (Exception ex)
            {
                answer.TrySetException(ex);
            }
        });
        if (!Post(request)) answer.TrySetException(new ObjectDisposedException($"Formation '{Name}'"));
        return answer.Task;
    }

    /// <summary>Runs <paramref name="body"/> on the loop; nobody waits for it.</summary>
    public void Tell(Action body) => Post(new Request(body));

    /// <summary>
    /// Ends the spawner. The loop stays: a disposed formation still answers (its snapshots, its log), and
    /// an idle loop waits on its channel without a thread.
    /// </summary>
    public void ShutDown() => _spawner.Complete();

    private async Task RunAsync()
    {
        await foreach (var message in _inbox.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                Handle(message);
                AfterChange();
            }
            catch (Exception ex)
            {
                Trace.TraceError($"Formation '{Name}': the supervisor failed on {message.GetType().Name}: {ex}");
            }
        }
    }

    /// <summary>Settles the formation after any change: starts what may start, ends what is over, answers waiters.</summary>
    private void AfterChange()
    {
        while (SupervisionPolicy.Settle(this) is { Count: > 0 } decisions) Apply(decisions);
        if (_readyWaiters.Count > 0 && SupervisionPolicy.Readiness(this, _result, Name) is { } verdict)
        {
            foreach (var waiter in _readyWaiters)
            {
                if (verdict.Failure is null) waiter.TrySetResult();
                else waiter.TrySetException(new FormationException(verdict.Failure));
            }
            _readyWaiters.Clear();
        }
        if (_spawning == 0 && _spawnWaiters.Count > 0)
        {
            foreach (var waiter in _spawnWaiters) waiter.TrySetResult();
            _spawnWaiters.Clear();
        }
        if (_stopping && !_sweeping && _stops.Count == 0 && _spawning == 0 && !_processes.Exists(p => p.IsLive))
        {
            // What left its group (setsid daemons) is found by the run's marker and stopped too, at the edge.
            _sweeping = true;
            var grace = _stopTimeout ?? TypeSettings.DefaultStopTimeout;
            _ = Task.Run(async () => Post(new EscapesStopped(await Escapes.StopAsync(Plan.Marker, adopted: false, grace).ConfigureAwait(false))));
        }
    }

    /// <summary>The last step of a stop: the escapes are gone; the formation has ended.</summary>
    private void End(IReadOnlyList<(int Pid, string Name)> escapes)
    {
        foreach (var (pid, name) in escapes) Say($"stopped {name} (pid {pid}): it had left its process group");
        _state = _result!.Reason == FormationEndReason.Stopped ? FormationState.Stopped : FormationState.Completed;
        _events.Ended(_result);
    }

    // ---- requests (run on the loop through Call) --------------------------------------------------

    /// <summary>Adds every instance and starts the types without <c>after</c>; completes when their spawns are reported.</summary>
    public Task Start(IReadOnlyList<string> portNotes)
    {
        if (_started) throw new InvalidOperationException($"Formation '{Name}' has already been started.");
        _started = true;
        foreach (var line in portNotes) Say(line);
        foreach (var (type, index) in Plan.Instances()) Add(type, index);
        _pending.AddRange(Plan.Procfile.Types.Select(t => t.Name));
        return SpawnsReported();
    }

    public Task AddReadyWaiter()
    {
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _readyWaiters.Add(waiter);
        return waiter.Task;
    }

    public FormationProcess[] Snapshots()
    {
        var now = Now;
        return _processes.Select(p => p.Snapshot(Name, now)).ToArray();
    }

    public FormationProcess? Snapshot(string name) => _processes.Find(p => p.Name == name)?.Snapshot(Name, Now);

    public FormationProcess Snapshot(ManagedProcess p) => p.Snapshot(Name, Now);

    public Dictionary<string, int> Counts()
    {
        var scale = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var type in Plan.Procfile.Types) scale[type.Name] = _processes.Count(p => p.Type == type && !p.Removed);
        return scale;
    }

    public ManagedProcess Find(string name) =>
        _processes.Find(p => p.Name == name && !p.Removed) ?? throw new FormationException(
            $"No process named '{name}' in formation '{Name}'. Processes: {string.Join(", ", _processes.Where(p => !p.Removed).Select(p => p.Name))}.");

    public List<LogBuffer> Logs(string? process) => process is null
        ? [.. _processes.Select(p => p.Log), _events.SystemLog]
        : _processes.Where(p => p.Name == process).Select(p => p.Log).ToList();

    public void Stop(TimeSpan? timeout, string? reason)
    {
        if (_stopping) return;
        if (reason is not null) Say(reason);
        _stopTimeout = timeout;
        BeginStop(new FormationResult(FormationEndReason.Stopped, 0, null));
    }

    public void Kill(string? reason)
    {
        if (reason is not null) Say(reason);
        _killNow.Cancel();
        if (!_stopping) BeginStop(new FormationResult(FormationEndReason.Stopped, 0, null));
    }

    /// <summary>Starts an instance that is not running; completes with its snapshot once the spawn is reported.</summary>
    public Task<FormationProcess> StartProcess(string name)
    {
        EnsureRunning();
        var p = Find(name);
        if (p.IsLive || p.State == ProcessState.Starting) return Task.FromResult(Snapshot(p));
        p.ForgetEnds();
        Spawn(p, isRestart: p.StartTime is not null);
        return SpawnsReported().ContinueWith(_ => Call(() => Snapshot(p)), TaskScheduler.Default).Unwrap();
    }

    /// <summary>Stops one instance and does not restart it; the task completes when its group is gone.</summary>
    public (ManagedProcess Process, Task Stopped) StopProcess(string name, TimeSpan? timeout)
    {
        var p = Find(name);
        var pendingRestart = p.RestartPending;
        if (StopRun(p, timeout ?? p.Settings.StopTimeout, announce: true) is { } stop) return (p, stop.Gone);
        // Not running: one waiting for its restart, or for its dependencies, is now simply Stopped.
        if (pendingRestart || !p.Announced) SetState(p, ProcessState.Stopped);
        return (p, Task.CompletedTask);
    }

    /// <summary>The first half of a restart: stops the run if there is one.</summary>
    public (ManagedProcess Process, Task Stopped) BeginRestart(string name, TimeSpan? timeout)
    {
        EnsureRunning();
        var p = Find(name);
        var stop = StopRun(p, timeout ?? p.Settings.StopTimeout, announce: true);
        p.RequestRestart();
        return (p, stop?.Gone ?? Task.CompletedTask);
    }

    /// <summary>The second half: spawns the instance again; completes with the new run (null when it could not start).</summary>
    public Task<ProcessRun?> Respawn(ManagedProcess p)
    {
        EnsureRunning();
        if (p.Removed) throw new FormationException($"Process '{p.Name}' was scaled away while it restarted.");
        if (p.IsLive) return Task.FromResult(p.Run);
        p.ForgetEnds();
        Spawn(p, isRestart: true);
        return SpawnsReported().ContinueWith(_ => Call(() => p.Run), TaskScheduler.Default).Unwrap();
    }

    public FormationException RestartFailure(ManagedProcess p, ProcessRun run) => new(p.Run == run
        ? $"{p.Name} restarted but was not ready {SupervisionPolicy.ReadyLimit(p.Settings)}."
        // A failed spawn has no exit status: say why instead of "()".
        : $"{p.Name} restarted but ended before it was ready ({p.ExitStatus?.ToString() ?? p.FailureReason ?? "it did not start"})." + p.LastLines);

    public int CountOf(ProcessType type)
    {
        EnsureRunning();
        return _processes.Count(p => p.Type == type && !p.Removed);
    }

    /// <summary>Adds or removes instances; the tasks complete when the new ones are spawned and the removed ones stopped.</summary>
    public (List<ManagedProcess> Added, List<ManagedProcess> Removed, Task Done) BeginScale(ProcessType type, int count, IReadOnlyList<string> portNotes)
    {
        EnsureRunning();
        foreach (var line in portNotes) Say(line);
        var current = _processes.Where(p => p.Type == type && !p.Removed).OrderBy(p => p.Index).ToList();
        if (current.Count != count) Say($"scaling {type.Name} from {current.Count} to {count}");
        var added = new List<ManagedProcess>();
        for (var i = current.Count + 1; i <= count; i++) added.Add(Add(type, i));
        var removed = current.Count > count ? current.Skip(count).Reverse().ToList() : [];
        var stops = new List<Task>();
        foreach (var p in removed)
        {
            var stop = StopRun(p, p.Settings.StopTimeout, announce: false);
            p.MarkRemoved();
            if (stop is not null) stops.Add(stop.Gone);
        }
        if (!_pending.Contains(type.Name))
            foreach (var p in added) Spawn(p, isRestart: false);
        stops.Add(SpawnsReported());
        return (added, removed, Task.WhenAll(stops));
    }

    public ScaleResult FinishScale(ProcessType type, List<ManagedProcess> added, List<ManagedProcess> removed)
    {
        var now = Now;
        foreach (var p in removed)
        {
            if (p.State is ProcessState.Running or ProcessState.Ready or ProcessState.Starting or ProcessState.Stopping) SetState(p, ProcessState.Stopped);
            _processes.Remove(p);
        }
        return new ScaleResult(type.Name, added.Select(p => p.Snapshot(Name, now)).ToArray(), removed.Select(p => p.Snapshot(Name, now)).ToArray());
    }

    private void EnsureRunning()
    {
        if (_state != FormationState.Running)
            throw new FormationException($"Formation '{Name}' is {_state.ToString().ToLowerInvariant()}; start it again to run processes.");
    }

    /// <summary>Completes once no spawn is in flight (every spawn asked for so far has been reported).</summary>
    private Task SpawnsReported()
    {
        // Checked after the change is carried out (AfterChange), so spawns that settling starts count too.
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _spawnWaiters.Add(waiter);
        return waiter.Task;
    }

    private ManagedProcess Add(ProcessType type, int index)
    {
        var p = new ManagedProcess(Plan.Settings(type), index, Plan.PortFor(type, index), Plan.EnvironmentFor(type, index), Plan.Options.LogBufferSize);
        var at = _processes.FindIndex(q => q.Type.Position > type.Position || (q.Type == type && q.Index > index));
        _processes.Insert(at < 0 ? _processes.Count : at, p);
        return p;
    }

    private void SetState(ManagedProcess p, ProcessState state)
    {
        var previous = p.SetState(state);
        _events.StateChanged(new ProcessStateChangedEventArgs(p.Snapshot(Name, Now), previous));
    }

    private void Say(string text) => _events.System(text);

    private sealed record Request(Action Run);
}
