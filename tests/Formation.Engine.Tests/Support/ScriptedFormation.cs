using Formation.Engine.Configuration;
using Formation.Engine.Os;
using Formation.Engine.Supervision;
using Microsoft.Extensions.Time.Testing;

namespace Formation.Engine.Tests.Support;

/// <summary>
/// A formation without processes, for replaying scripted histories through <see cref="SupervisionPolicy"/>:
/// the test says what happened (a spawn, an exit, a timeout) on a <see cref="FakeTimeProvider"/>, the
/// policy decides, and the decisions are carried out on this model the way the supervisor would.
/// </summary>
internal sealed class ScriptedFormation : IFormationView
{
    private readonly List<ScriptedProcess> _processes = [];
    private readonly List<string> _pending = [];
    private readonly Dictionary<string, TypeSettings> _settings = [];

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    public FormationState State { get; private set; } = FormationState.Running;
    public bool ExitOnError { get; init; }
    public IReadOnlyList<string> PendingTypes => _pending;
    public IReadOnlyList<IProcessView> Processes => _processes;
    public TypeSettings SettingsOf(string type) => _settings[type];

    /// <summary>Everything decided so far, in order.</summary>
    public List<Decision> Decided { get; } = [];

    /// <summary>How the formation ended, once the policy ended it.</summary>
    public FormationResult? Result { get; private set; }

    public ScriptedFormation Type(string name, int count = 1, RestartPolicy restart = RestartPolicy.OnFailure, bool task = false,
        ReadyProbe? ready = null, params string[] after)
    {
        var settings = new TypeSettings
        {
            Type = new ProcessType(name, "true", _settings.Count, _settings.Count + 1),
            Count = count,
            Restart = task ? RestartPolicy.Never : restart,
            RestartSettings = RestartSettings.Default,
            StopSignal = Signals.Term,
            StopTimeout = TimeSpan.FromSeconds(5),
            BasePort = 5000,
            Ready = ready,
            After = after,
            Task = task,
            WorkingDirectory = "/",
        };
        _settings[name] = settings;
        _pending.Add(name);
        for (var i = 1; i <= count; i++) _processes.Add(new ScriptedProcess(settings, i));
        return this;
    }

    public ScriptedProcess this[string name] => _processes.Single(p => p.Name == name);

    /// <summary>Settles: starts what may start (their spawns succeed at once) and ends what is over.</summary>
    public ScriptedFormation Settle()
    {
        while (SupervisionPolicy.Settle(this) is { Count: > 0 } decisions) Apply(decisions);
        return this;
    }

    public IReadOnlyList<Decision> Spawned(string name) => Happen(null, p => p.Spawned(Clock.GetUtcNow()), name);

    public IReadOnlyList<Decision> Ended(string name, int code)
    {
        var p = this[name];
        var status = new WaitStatus(code, null);
        var runTime = Clock.GetUtcNow() - p.StartedAt;
        p.Ended(status);
        return Happen(new Happening.Ended(p, status, runTime), _ => { }, name);
    }

    public IReadOnlyList<Decision> SpawnFailed(string name, string reason) =>
        Happen(new Happening.SpawnFailed(this[name], reason), p => p.CouldNotStart(reason), name);

    public IReadOnlyList<Decision> ReadyTimedOut(string name) => Happen(new Happening.ReadyTimedOut(this[name]), p => p.NotReadyInTime = true, name);

    public IReadOnlyList<Decision> BecameReady(string name) => Happen(null, p => p.State = ProcessState.Ready, name);

    /// <summary>Advances the fake clock; restarts that fall due are reported (and their spawns succeed).</summary>
    public List<Decision> Advance(TimeSpan by)
    {
        Clock.Advance(by);
        var decided = new List<Decision>();
        foreach (var p in _processes.Where(p => p.NextRestart <= Clock.GetUtcNow()).ToList())
            decided.AddRange(Happen(new Happening.RestartDue(p), _ => { }, p.Name));
        return decided;
    }

    private IReadOnlyList<Decision> Happen(Happening? happening, Action<ScriptedProcess> fact, string name)
    {
        fact(this[name]);
        var decisions = happening is null ? [] : SupervisionPolicy.Decide(this, happening, Clock.GetUtcNow());
        Apply(decisions);
        Settle();
        return decisions;
    }

    private void Apply(IReadOnlyList<Decision> decisions)
    {
        foreach (var decision in decisions)
        {
            Decided.Add(decision);
            switch (decision)
            {
                case Decision.ScheduleRestart { Process: ScriptedProcess p } r:
                    p.Ends = r.Ends;
                    p.NextRestart = Clock.GetUtcNow() + r.Delay;
                    break;
                case Decision.GiveUp { Process: ScriptedProcess p } g:
                    p.Ends = g.Ends;
                    p.FailureReason = g.Reason;
                    p.State = ProcessState.Failed;
                    break;
                case Decision.Spawn { Process: ScriptedProcess p }:
                    p.NextRestart = null;
                    p.Spawned(Clock.GetUtcNow());
                    break;
                case Decision.StartType s:
                    _pending.Remove(s.Type);
                    foreach (var p in _processes.Where(p => p.Settings.Type.Name == s.Type)) p.Spawned(Clock.GetUtcNow());
                    break;
                case Decision.EndFormation e:
                    Result ??= e.Result;
                    State = FormationState.Stopping;
                    _pending.Clear();
                    foreach (var p in _processes) p.NextRestart = null;
                    break;
            }
        }
    }
}

/// <summary>One instance of a <see cref="ScriptedFormation"/>.</summary>
internal sealed class ScriptedProcess(TypeSettings settings, int index) : IProcessView
{
    public string Name { get; } = $"{settings.Type.Name}.{index}";
    public TypeSettings Settings { get; } = settings;
    public ProcessState State { get; set; } = ProcessState.Starting;
    public bool IsLive { get; set; }
    public bool NotReadyInTime { get; set; }
    public bool Removed { get; set; }
    public bool StopRequested { get; set; }
    public DateTimeOffset? NextRestart { get; set; }
    public bool RestartPending => NextRestart is not null;
    public IReadOnlyList<DateTimeOffset> Ends { get; set; } = [];
    public string? FailureReason { get; set; }
    public string LastLines => "";
    public DateTimeOffset StartedAt { get; private set; }

    public bool IsReady => Settings.Task
        ? State == ProcessState.Exited
        : State == ProcessState.Ready || (State == ProcessState.Running && Settings.Ready is null);

    public void Spawned(DateTimeOffset now)
    {
        IsLive = true;
        State = ProcessState.Running;
        NotReadyInTime = false;
        StartedAt = now;
    }

    public void Ended(WaitStatus status)
    {
        IsLive = false;
        State = status.Success ? ProcessState.Exited : ProcessState.Crashed;
    }

    public void CouldNotStart(string reason)
    {
        IsLive = false;
        FailureReason = reason;
        State = ProcessState.Failed;
    }
}
