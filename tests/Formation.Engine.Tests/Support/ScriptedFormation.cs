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

    /// <summary>Whether a stop is in reverse start order (formation.yml's ordered_stop; the default is true).</summary>
    public bool OrderedStop { get; init; } = true;

    /// <summary>Stopped groups stay until the history says they are gone (<see cref="GroupGone"/>), instead of ending at once.</summary>
    public bool HoldStops
    {
        get => _edges.HoldStops;
        init => _edges.HoldStops = value;
    }

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
        _types.Add(Settings(name, _types.Count, count: count, restart: restart, task: task, ready: ready, after: after));
        return this;
    }

    /// <summary>
    /// A type's settings as a scripted formation declares them: the command <c>true</c> unless given, PORT
    /// 5000 + 100 × position, a 5 s stop timeout (for a reload's next plan, build the types with this).
    /// </summary>
    public static TypeSettings Settings(string name, int position, string command = "true", int count = 1, RestartPolicy restart = RestartPolicy.OnFailure,
        bool task = false, ReadyProbe? ready = null, params string[] after) => new()
    {
        Type = new ProcessType(name, command, position, position + 1),
        Count = count,
        Restart = task ? RestartPolicy.Never : restart,
        RestartSettings = RestartSettings.Default,
        StopSignal = Signals.Term,
        StopTimeout = TimeSpan.FromSeconds(5),
        BasePort = 5000 + 100 * position,
        Ready = ready,
        After = after,
        Task = task,
        WorkingDirectory = "/",
    };

    /// <summary>The plan of a reload to these types (same name, options and marker), as the loop would get from the files.</summary>
    public FormationPlan Next(params TypeSettings[] types) =>
        FormationPlan.Scripted("app", types, Loop.Plan.Options, Loop.Plan.Marker);

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

    /// <summary>A stop of the formation asked through the public API (Stop-Formation, formation stop); the decisions it led to.</summary>
    public IReadOnlyList<Decision> StopFormation() => Step(() => _loop!.Tell(() => _loop.Stop(null, null, interrupted: false)));

    /// <summary>A kill asked for (a second Ctrl+C).</summary>
    public IReadOnlyList<Decision> Kill() => Step(() => _loop!.Tell(() => _loop.Kill(null)));

    /// <summary>A held stop's group is gone: its leader ended by the stop signal (or SIGKILL, once the loop ordered it).</summary>
    public IReadOnlyList<Decision> GroupGone(string name) => Step(() =>
    {
        var stop = _edges.Held.Find(s => s.Name == name) ?? throw new InvalidOperationException($"No stop of {name} is held.");
        _edges.Held.Remove(stop);
        _edges.End(stop);
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
        var plan = FormationPlan.Scripted("app", _types, new FormationOptions { Procfile = "/scripted/Procfile", ExitOnError = ExitOnError, OrderedStop = OrderedStop });
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

    /// <summary>Hold stopped groups (<see cref="Held"/>) until the history ends them; otherwise they end at once.</summary>
    public bool HoldStops { get; set; }

    public List<GroupStop> Held { get; } = [];

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
        if (HoldStops) Held.Add(stop);
        else End(stop);
    }

    /// <summary>The stopped group is gone: its leader's end, then the group's.</summary>
    public void End(GroupStop stop)
    {
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
