using Formation.Engine.Configuration;
using Formation.Engine.Os;
using Formation.Engine.Supervision;
using Microsoft.Extensions.Time.Testing;

namespace Formation.Engine.Tests.Support;

/// <summary>
/// A formation without processes whose histories drive the real <see cref="Supervisor"/> (honcho's harness):
/// the test says what happened at the edges (a spawn, an exit, a timeout) on a <see cref="FakeTimeProvider"/>,
/// the loop hands it to the policy and carries out the decisions, and its scripted edges
/// (<see cref="ScriptedEdges"/>) record what it asked of the operating system. A spawn asked for succeeds as
/// soon as the history goes on (the next step, or a look at the state), unless the next step says it could
/// not start.
/// </summary>
internal sealed class ScriptedFormation
{
    private readonly List<TypeSettings> _types = [];
    private readonly ScriptedEdges _edges = new();
    private Supervisor? _loop;
    private List<Decision>? _happened;
    private int _nextPid = 1000;

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    public bool ExitOnError { get; init; }

    /// <summary>Everything decided so far, in order.</summary>
    public List<Decision> Decided { get; } = [];

    /// <summary>What the loop asked of the edges, in order (<c>spawn web.1</c>, <c>stop web.1</c>, …).</summary>
    public IReadOnlyList<string> EdgeCalls => _edges.Calls;

    /// <summary>How the formation ends (once its end began), or ended.</summary>
    public FormationOutcome? Result => Loop.Outcome ?? Loop.Ending;

    public FormationState State => Loop.State;

    /// <summary>The real loop, built on first use from the types declared so far; looking at it lets pending spawns succeed.</summary>
    public Supervisor Loop
    {
        get
        {
            var loop = _loop ??= Build();
            Run();
            return loop;
        }
    }

    public ScriptedFormation Type(string name, int count = 1, RestartPolicy restart = RestartPolicy.OnFailure, bool task = false,
        ReadyProbe? ready = null, params string[] after)
    {
        if (_loop is not null) throw new InvalidOperationException("Declare every type before the history starts.");
        _types.Add(new TypeSettings
        {
            Type = new ProcessType(name, "true", _types.Count, _types.Count + 1),
            Count = count,
            Restart = task ? RestartPolicy.Never : restart,
            RestartSettings = RestartSettings.Default,
            StopSignal = Signals.Term,
            StopTimeout = TimeSpan.FromSeconds(5),
            BasePort = 5000 + 100 * _types.Count,
            Ready = ready,
            After = after,
            Task = task,
            WorkingDirectory = "/",
        });
        return this;
    }

    public ManagedProcess this[string name] => Loop.Processes.Cast<ManagedProcess>().Single(p => p.Name == name);

    /// <summary>Starts the formation (or just lets it settle): what may start is spawned.</summary>
    public ScriptedFormation Settle()
    {
        if (_loop is null)
        {
            _loop = Build();
            _ = _loop.Call(() => _loop.Start([]));
        }
        _loop.RunPending();
        return this;
    }

    public IReadOnlyList<Decision> Spawned(string name) => Step(() => { });

    public IReadOnlyList<Decision> Ended(string name, int code) => Step(() =>
    {
        var p = this[name];
        _loop!.Post(new Report.Ended(p, p.Run ?? throw new InvalidOperationException($"{name} is not running."), new WaitStatus(code, null), []));
    });

    public IReadOnlyList<Decision> SpawnFailed(string name, string reason) => Step(() =>
    {
        var at = _edges.Spawns.FindIndex(s => s.Process.Name == name);
        if (at < 0) throw new InvalidOperationException($"No spawn of {name} is under way.");
        var spawn = _edges.Spawns[at];
        _edges.Spawns.Remove(spawn);
        _loop!.Post(new Report.CouldNotStart(spawn.Process, spawn.Generation, reason, SpawnException.NotFound));
    }, succeedSpawnsFirst: false);

    public IReadOnlyList<Decision> ReadyTimedOut(string name) => Step(() =>
    {
        var p = this[name];
        _loop!.Post(new Report.ReadyTimedOut(p, p.Run!));
    });

    public IReadOnlyList<Decision> BecameReady(string name) => Step(() =>
    {
        var p = this[name];
        _loop!.Post(new Report.BecameReady(p, p.Run!));
    });

    /// <summary>A stop of one instance asked through the public API; the decisions it led to.</summary>
    public IReadOnlyList<Decision> Stop(string name) => Step(() => _loop!.Tell(() => _loop.StopProcess(name, null)));

    /// <summary>Advances the fake clock: timers that fall due (restarts, ready timeouts) report to the loop.</summary>
    public List<Decision> Advance(TimeSpan by) => [.. Step(() => Clock.Advance(by))];

    /// <summary>A request of the public API, answered by the loop.</summary>
    public T Ask<T>(Func<Supervisor, T> request)
    {
        var loop = Loop;
        var answer = loop.Call(() => request(loop));
        loop.RunPending();
        return answer.GetAwaiter().GetResult();
    }

    private List<Decision> Step(Action report, bool succeedSpawnsFirst = true)
    {
        _loop ??= Build();
        if (succeedSpawnsFirst) Run();
        else _loop.RunPending();
        _happened = [];
        report();
        _loop.RunPending();
        var happened = _happened;
        _happened = null;
        return happened;
    }

    /// <summary>Handles what is queued; every spawn asked for succeeds, until nothing is left to do.</summary>
    private void Run()
    {
        var loop = _loop!;
        loop.RunPending();
        while (_edges.Spawns.Count > 0)
        {
            // The run started when it was asked for: a later look at the state does not make it younger.
            foreach (var (p, generation, asked) in _edges.Spawns.ToList())
                loop.Post(new Report.Spawned(p, generation, new ProcessRun(_nextPid++, asked, null)));
            _edges.Spawns.Clear();
            loop.RunPending();
        }
    }

    private Supervisor Build()
    {
        var plan = FormationPlan.Scripted("app", _types, new FormationOptions { Procfile = "/scripted/Procfile", ExitOnError = ExitOnError });
        Supervisor? loop = null;
        _ = new ProcessFormation(plan, Clock, (events, flow) => loop = new Supervisor(plan, Clock, events, flow, _edges, runLoop: false));
        _edges.Post = r => loop!.Post(r);
        _edges.Now = Clock.GetLocalNow;
        loop!.Observer = (decisions, settling) =>
        {
            Decided.AddRange(decisions);
            if (!settling) _happened?.AddRange(decisions);
        };
        return loop;
    }
}

/// <summary>
/// Edges that record what the loop asks: spawns wait for the history to say how they went; a stopped group
/// ends at once (its leader by the stop signal); the sweep finds nothing that left its group.
/// </summary>
internal sealed class ScriptedEdges : ISupervisorEdges
{
    public Action<Report> Post { get; set; } = _ => { };
    public Func<DateTimeOffset> Now { get; set; } = () => DateTimeOffset.UnixEpoch;
    public List<(ManagedProcess Process, int Generation, DateTimeOffset Asked)> Spawns { get; } = [];
    public List<string> Calls { get; } = [];

    public void Spawn(ManagedProcess process, int generation)
    {
        Calls.Add($"spawn {process.Name}");
        Spawns.Add((process, generation, Now()));
    }

    public void ReadOutput(ManagedProcess process, ProcessRun run) { }

    public void ProbePort(ManagedProcess process, ProcessRun run, ReadyProbe probe, int port) => Calls.Add($"probe {process.Name}");

    public void StopGroup(GroupStop stop)
    {
        Calls.Add($"stop {stop.Name}");
        if (stop.Process is { } p && stop.Run is { } run) Post(new Report.Ended(p, run, new WaitStatus(null, stop.Signal), []));
        Post(new Report.GroupGone(stop));
    }

    public void Release(int pgid) { }

    public void SweepEscapes(string marker, TimeSpan grace)
    {
        Calls.Add("sweep");
        Post(new Report.EscapesStopped([]));
    }

    public void Complete() { }
}
