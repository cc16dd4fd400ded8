using System.Diagnostics;
using Formation.Engine.Configuration;

namespace Formation.Engine.Supervision;

/// <summary>
/// The one loop of a formation. It owns every piece of mutable supervision state and is the only reader of
/// one channel: requests from the public API (posted by <see cref="ProcessFormation"/>, answered through
/// their tasks) and <see cref="Report"/>s from the edges and timers. It takes no lock and does no I/O that
/// can block: what follows a report is decided by <see cref="SupervisionPolicy"/>, and what reaches the
/// operating system goes through <see cref="ISupervisorEdges"/>.
/// </summary>
/// <remarks>
/// Files: this one (the loop and what it settles after every message), <c>Supervisor.Requests.cs</c> (the
/// public API's requests), <c>Supervisor.Reports.cs</c> (the edges' reports and carrying out decisions).
/// </remarks>
internal sealed partial class Supervisor : IFormationView
{
    private readonly SerialQueue<object> _inbox;
    private readonly List<ManagedProcess> _processes = [];
    private readonly List<string> _pending = [];
    private readonly List<TaskCompletionSource> _readyWaiters = [];
    private readonly List<TaskCompletionSource> _spawnWaiters = [];
    private readonly List<(ManagedProcess Process, TaskCompletionSource Settled)> _settleWaiters = [];
    private readonly List<(string Name, int Pgid)> _strays = [];
    private readonly List<ProcessFailure> _failures = [];
    private readonly HashSet<GroupStop> _stops = [];
    private readonly CancellationTokenSource _killNow = new();
    private readonly EventDispatcher _events;
    private readonly ISupervisorEdges _edges;
    private readonly TimeProvider _time;
    private volatile FormationState _state = FormationState.Running;
    private volatile FormationPlan _plan;
    private FormationOutcome? _ending;
    private FormationOutcome? _outcome;
    private TimeSpan? _stopTimeout;
    private bool _started;
    private bool _stopping;
    private bool _killing;
    private bool _sweeping;
    private int _spawning;

    /// <summary>
    /// A loop over <paramref name="edges"/> (the real ones, <see cref="OsEdges"/>, unless a test scripts them); with
    /// <paramref name="runLoop"/> false it runs only when a scripted test calls <see cref="RunPending"/>.
    /// </summary>
    public Supervisor(FormationPlan plan, TimeProvider time, EventDispatcher events, OutputFlow flow, ISupervisorEdges? edges = null, bool runLoop = true)
    {
        _plan = plan;
        _time = time;
        _events = events;
        _inbox = new SerialQueue<object>(Step, null, "formation loop", serve: runLoop);
        _edges = edges ?? new OsEdges(r => Post(r), time, _killNow.Token, events, flow);
    }

    /// <summary>The plan last applied: the one the formation started with, or the last reload's. Written by the loop only; safe to read from any thread.</summary>
    public FormationPlan Plan => _plan;

    public string Name => Plan.Name;

    /// <summary>Written by the loop only; safe to read from any thread.</summary>
    public FormationState State => _state;

    public bool ExitOnError => Plan.Options.ExitOnError;
    public bool StopInOrder => Plan.OrderedStop && !_killing;
    public IReadOnlyList<string> PendingTypes => _pending;
    public IReadOnlyList<IProcessView> Processes => _processes;
    public IReadOnlyList<ProcessFailure> Failures => _failures;
    public TypeSettings SettingsOf(string type) => Plan.Settings(Plan.Procfile.Find(type)!);

    /// <summary>
    /// Told of every list of decisions the loop carries out, and whether it came from settling (<see cref="SupervisionPolicy.Settle"/>)
    /// rather than from a happening (a scripted test records them).
    /// </summary>
    internal Action<IReadOnlyList<Decision>, bool>? Observer { get; set; }

    /// <summary>How the formation ends, once a stop or an end has begun (the final outcome may still outrank it).</summary>
    internal FormationOutcome? Ending => _ending;

    /// <summary>How the formation ended, once it has.</summary>
    internal FormationOutcome? Outcome => _outcome;

    private DateTimeOffset Now => _time.GetLocalNow();

    /// <summary>Queues a message for the loop (from any thread). False once the loop has been shut down.</summary>
    public bool Post(object message) => _inbox.TryWrite(message);

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
    public void ShutDown() => _edges.Complete();

    /// <summary>Handles every message queued so far, on the caller's thread (a scripted test's loop).</summary>
    internal void RunPending()
    {
        while (_inbox.TryTake(out var message)) Step(message);
    }

    private void Step(object message)
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

    /// <summary>Settles the formation after any change: starts what may start, ends what is over, answers waiters.</summary>
    private void AfterChange()
    {
        while (SupervisionPolicy.Settle(this) is { Count: > 0 } decisions) Apply(decisions, settling: true);
        if (_readyWaiters.Count > 0 && !_stopping && SupervisionPolicy.Readiness(this) is { } verdict)
        {
            if (verdict.Failure is null)
            {
                foreach (var waiter in _readyWaiters) waiter.TrySetResult();
                _readyWaiters.Clear();
            }
            else
            {
                // Someone waits for readiness that will never come: the engine ends the formation with that
                // failure, and the waiters learn the outcome once everything it started is gone.
                Say($"not ready: {verdict.Failure.Message.TrimEnd('.')}; stopping the formation");
                BeginStop(verdict.Failure);
            }
        }
        if (_spawning == 0 && _spawnWaiters.Count > 0)
        {
            foreach (var waiter in _spawnWaiters) waiter.TrySetResult();
            _spawnWaiters.Clear();
        }
        if (_settleWaiters.Count > 0)
        {
            foreach (var (_, settled) in _settleWaiters.Where(w => w.Process.SpawningGeneration is null)) settled.TrySetResult();
            _settleWaiters.RemoveAll(w => w.Process.SpawningGeneration is null);
        }
        // A stop in reverse start order signals the next types once what depended on them is gone.
        if (_stopping && SupervisionPolicy.NextStops(this) is { Count: > 0 } stops) Apply(stops, settling: true);
        if (_stopping && !_sweeping && _stops.Count == 0 && _spawning == 0 && !_processes.Exists(p => p.IsLive))
        {
            // What left its group (setsid daemons) is found by the run's marker and stopped too, at the edge.
            _sweeping = true;
            _edges.SweepEscapes(Plan.Marker, _stopTimeout ?? TypeSettings.DefaultStopTimeout);
        }
    }

    /// <summary>The last step of a stop: the escapes are gone; the outcome is decided, once.</summary>
    private void End(IReadOnlyList<(int Pid, string Name)> escapes)
    {
        if (_outcome is not null) return;
        foreach (var (pid, name) in escapes) Say($"stopped {name} (pid {pid}): it had left its process group");
        _outcome = SupervisionPolicy.Final(this, _ending!, Now);
        _state = _outcome.End switch
        {
            FormationEnd.Stopped => FormationState.Stopped,
            FormationEnd.Completed => FormationState.Completed,
            _ => FormationState.Failed,
        };
        foreach (var waiter in _readyWaiters) waiter.TrySetException(new FormationFailedException(_outcome));
        _readyWaiters.Clear();
        _events.Ended(_outcome);
        _inbox.Persistent = false; // the ended formation still answers requests, on a thread started for them
    }

    private ManagedProcess Add(ProcessType type, int index)
    {
        var p = new ManagedProcess(Plan.Settings(type), index, Plan.PortFor(type, index), Plan.EnvironmentFor(type, index), Plan.Options.LogBufferSize);
        var at = _processes.FindIndex(q => PositionOf(q) > type.Position || (q.Type.Name == type.Name && q.Index > index));
        _processes.Insert(at < 0 ? _processes.Count : at, p);
        return p;
    }

    /// <summary>The instance's type's line among the plan's types (after a reload, the line it has now); last when it left the Procfile.</summary>
    private int PositionOf(ManagedProcess p) => Plan.Procfile.Find(p.Type.Name)?.Position ?? int.MaxValue;

    private void SetState(ManagedProcess p, ProcessState state)
    {
        var previous = p.SetState(state);
        // A snapshot per change is work (and garbage) only a subscriber needs: the CLI has none.
        if (_events.WantsStateChanges) _events.StateChanged(new ProcessStateChangedEventArgs(p.Snapshot(Name, Now), previous));
    }

    /// <summary>Records an instance that ended Failed (its one line is the system line too); a new run clears it.</summary>
    private void RecordFailure(ManagedProcess p, OutcomeCause cause)
    {
        _failures.RemoveAll(f => f.Process == p.Name);
        _failures.Add(new ProcessFailure(p.Name, cause, SupervisionPolicy.FailureMessage(p) + "."));
    }

    private void Say(string text) => _events.System(text);

    private sealed record Request(Action Run);
}
