using System.Diagnostics;
using Formation.Engine.Configuration;
using Formation.Engine.Os;
using Formation.Engine.Output;

namespace Formation.Engine.Supervision;

/// <summary>
/// A running process formation: the public face of one <see cref="Supervisor"/> loop. Every method posts a
/// request to the loop and awaits its answer (nothing here takes a lock); every event (output lines, the
/// manager's own lines, state changes) goes through one ordered queue per formation to its subscribers,
/// one at a time. A reload's steps are in <c>ProcessFormation.Reload.cs</c>.
/// </summary>
public sealed partial class ProcessFormation : IAsyncDisposable, IDisposable
{
    private readonly TaskCompletionSource<FormationOutcome> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _begun = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _scaleGate = new(1, 1);
    private readonly InstanceGates _instanceGates = new();
    private readonly EventDispatcher _events;
    private readonly Supervisor _loop;
    private readonly TimeProvider _time;

    internal ProcessFormation(FormationPlan plan, TimeProvider? time = null, Func<EventDispatcher, OutputFlow, Supervisor>? loop = null)
    {
        _time = time ?? TimeProvider.System;
        var flow = new OutputFlow();
        _events = new EventDispatcher(this, _time, flow, plan.Options.LogBufferSize);
        _loop = loop?.Invoke(_events, flow) ?? new Supervisor(plan, _time, _events, flow);
    }

    /// <summary>The loop (a scripted test drives it).</summary>
    internal Supervisor Loop => _loop;

    public string Name => Plan.Name;

    /// <summary>The plan the formation runs: the one it started with, or the last reload's.</summary>
    public FormationPlan Plan => _loop.Plan;
    public DateTimeOffset? StartTime { get; private set; }

    /// <summary>Full path of the Procfile.</summary>
    public string Procfile => Plan.Procfile.Path;

    /// <summary>Directory the processes run in.</summary>
    public string WorkingDirectory => Plan.WorkingDirectory;

    /// <summary>The base port (web.1's PORT when web is the first type).</summary>
    public int BasePort => Plan.BasePort;

    /// <summary>The current count of every type, in Procfile order.</summary>
    public IReadOnlyDictionary<string, int> Scale => Answer(_loop.Call(_loop.Counts));

    /// <summary><see cref="Scale"/> without blocking the calling thread while the loop answers.</summary>
    public async Task<IReadOnlyDictionary<string, int>> GetScaleAsync() => await _loop.Call(_loop.Counts).ConfigureAwait(false);

    /// <summary>Snapshots of every instance (the same as <see cref="GetProcesses"/>).</summary>
    public IReadOnlyList<FormationProcess> Processes => GetProcesses();

    public FormationState State => _loop.State;

    /// <summary>How the formation ended, once it has: decided once, by the engine (hosts render it).</summary>
    public FormationOutcome? Outcome => _completion.Task.IsCompletedSuccessfully ? _completion.Task.Result : null;

    /// <summary>Completes with the outcome when the formation has ended and every event before the end has been dispatched.</summary>
    public Task<FormationOutcome> Completion => _completion.Task;

    /// <summary>Every output line and every line of the manager's own (<c>system</c>), in order.</summary>
    public event EventHandler<LogLine>? Output;

    /// <summary>A process changed state.</summary>
    public event EventHandler<ProcessStateChangedEventArgs>? ProcessStateChanged;

    internal bool HasStateChangedHandlers => ProcessStateChanged is not null;

    /// <summary>Raised when the event queue has been emptied: the moment for a buffered writer to flush.</summary>
    public event EventHandler? Drained;

    /// <summary>
    /// Spawns the formation: types without <c>after</c> at once, the others as soon as every instance they
    /// name is ready (tasks: exited 0). Returns once the first spawns have been made.
    /// </summary>
    /// <exception cref="FormationException">A PORT that a type uses is held by another process (unless the plan's options say Force), or the instances cannot all get their file descriptors (<see cref="DescriptorLimitException"/>).</exception>
    public void Start()
    {
        try
        {
            Os.FileDescriptors.EnsureRoom(Plan.Instances().Count(), starting: true);
            var notes = PortCheck.Run(Plan, Plan.Instances());
            StartTime = _time.GetLocalNow();
            Answer(_loop.Call(() => _loop.Start(notes)).Unwrap());
            _begun.TrySetResult();
        }
        catch
        {
            _begun.TrySetCanceled();
            throw;
        }
    }

    /// <summary>
    /// Completes when <see cref="Start"/> has returned (cancelled when it threw): what opens descriptors lazily beside
    /// the formation (the control endpoint's serving) waits for it, so the start's judgment of descriptors counts the
    /// same ones every time, and a formation that never started is never served.
    /// </summary>
    internal Task Begun => _begun.Task;

    /// <summary>
    /// Completes when every type has started and every instance is ready (tasks: exited 0). When the formation
    /// can never be ready (an instance could not start, gave up restarting, or was not ready within its
    /// ready_timeout), the engine ends it with that failure, stopping everything it started, and the task fails
    /// with <see cref="FormationFailedException"/> once it has ended; likewise when it ends first. So the wait
    /// lasts at most the longest ready_timeout plus the stop timeout. Cancelling only stops waiting.
    /// </summary>
    public Task WhenReadyAsync(CancellationToken cancellationToken = default) =>
        _loop.Call(_loop.AddReadyWaiter).Unwrap().WaitAsync(cancellationToken);

    /// <summary>Snapshots of every instance, in Procfile order then by index, with their CPU time and memory.</summary>
    public IReadOnlyList<FormationProcess> GetProcesses() => WithUsage(Answer(_loop.Call(_loop.Snapshots)));

    /// <summary>
    /// <see cref="GetProcesses"/> without blocking the calling thread while the loop answers: for servers that
    /// answer many clients on the thread pool (the control endpoint).
    /// </summary>
    public async Task<IReadOnlyList<FormationProcess>> GetProcessesAsync(CancellationToken cancellationToken = default) =>
        WithUsage(await _loop.Call(_loop.Snapshots).WaitAsync(cancellationToken).ConfigureAwait(false));

    /// <summary>A snapshot of one instance (<c>web.1</c>), or null.</summary>
    public FormationProcess? GetProcess(string name) => Answer(_loop.Call(() => _loop.Snapshot(name))) is { } p ? WithUsage([p])[0] : null;

    /// <summary>
    /// The environment of one process (with PORT and the identity variables), or, for null, the environment
    /// every process shares; each variable with its source. Names that look secret are masked unless asked.
    /// </summary>
    public IReadOnlyList<EnvironmentVariable> GetEnvironment(string? process = null, bool showSecrets = false)
    {
        IReadOnlyDictionary<string, EnvValue> env;
        if (process is null) env = Plan.Environment;
        else
        {
            var p = Answer(_loop.Call(() => _loop.Find(process)));
            // After a reload, the plan's: what the instance runs, or will run from its next start.
            var type = Plan.Procfile.Find(p.Type.Name) ?? throw new FormationException($"{process} is stopping: its type is no longer in the Procfile.");
            env = Plan.EnvironmentWithSources(type, p.Index);
        }
        return env.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => new EnvironmentVariable(kv.Key, kv.Value.Value, kv.Value.Source, process))
            .Select(v => showSecrets ? v : v.Masked())
            .ToArray();
    }

    /// <summary>
    /// Buffered log lines, oldest first: of one process (by name, or <c>system</c>), or of all of them
    /// merged by time. At most <paramref name="tail"/> lines when given.
    /// </summary>
    public IReadOnlyList<LogLine> GetLog(string? process = null, int? tail = null)
    {
        if (process == LogLine.SystemName) return _events.SystemLog.Snapshot(tail);
        var buffers = Answer(_loop.Call(() => _loop.Logs(process)));
        var merged = buffers.SelectMany(b => b.Snapshot(tail)).OrderBy(l => l.Timestamp).ToList();
        return tail is { } n && merged.Count > n ? merged.GetRange(merged.Count - n, n) : merged;
    }

    /// <summary>
    /// The last <paramref name="tail"/> lines of each process named (or of each instance of a type named, and of the
    /// system log when named; all when null), merged by time, in one call to the loop that does not block the caller.
    /// </summary>
    internal async Task<List<LogLine>> GetTailsAsync(IReadOnlyCollection<string>? names, int? tail)
    {
        var buffers = await _loop.Call(() => _loop.Logs(names)).ConfigureAwait(false);
        return buffers.SelectMany(b => b.Snapshot(tail)).OrderBy(l => l.Timestamp).ToList();
    }

    /// <summary>Snapshots of every instance without their usage (no /proc read): for the control endpoint's names and counts.</summary>
    internal async Task<IReadOnlyList<FormationProcess>> GetProcessesWithoutUsageAsync() =>
        await _loop.Call(_loop.Snapshots).ConfigureAwait(false);

    /// <summary>
    /// Stops every process: the stop signal to each process group at once, SIGKILL to any group still
    /// alive after the timeout. Completes with the formation's result once everything is gone.
    /// </summary>
    /// <param name="timeout">Overrides every type's stop timeout (at most 24 h).</param>
    /// <param name="reason">Shown as a system line (for example "SIGINT received").</param>
    /// <param name="interrupted">A signal or Ctrl+C asked (the outcome's cause is Interrupted, not StopRequested).</param>
    /// <exception cref="FormationException">The timeout is out of range.</exception>
    public Task<FormationOutcome> StopAsync(TimeSpan? timeout = null, string? reason = null, bool interrupted = false)
    {
        CheckTimeout(timeout);
        _loop.Tell(() => _loop.Stop(timeout, reason, interrupted));
        return Completion;
    }

    /// <summary>SIGKILLs every process group now (a second Ctrl+C), whether or not a stop is under way.</summary>
    public void Kill(string? reason = null) => _loop.Tell(() => _loop.Kill(reason));

    /// <summary>Starts an instance that is not running (after it exited, crashed, failed or was stopped).</summary>
    public FormationProcess StartProcess(string name) => StartProcessAsync(name).GetAwaiter().GetResult();

    /// <inheritdoc cref="StartProcess"/>
    public async Task<FormationProcess> StartProcessAsync(string name, CancellationToken cancellationToken = default)
    {
        using var turn = await TurnAsync(name, cancellationToken).ConfigureAwait(false);
        return WithUsage([await _loop.Call(() => _loop.StartProcess(name)).Unwrap().WaitAsync(cancellationToken).ConfigureAwait(false)])[0];
    }

    /// <summary>Stops one instance (its whole group) and does not restart it.</summary>
    /// <exception cref="FormationException">No such instance, or the timeout is out of range.</exception>
    public async Task<FormationProcess> StopProcessAsync(string name, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        CheckTimeout(timeout);
        using var turn = await TurnAsync(name, cancellationToken).ConfigureAwait(false);
        var (p, stopped) = await _loop.Call(() => _loop.StopProcess(name, timeout)).ConfigureAwait(false);
        await stopped.WaitAsync(cancellationToken).ConfigureAwait(false);
        return await _loop.Call(() => _loop.Snapshot(p)).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops the instance if it runs, then starts it again with the same name, environment and PORT.
    /// Completes once the new run is ready (its probe passed, or it is running when it has none), so a
    /// pipeline of restarts is a rolling restart.
    /// </summary>
    /// <remarks>
    /// Start, stop and restart of one instance run one at a time, from any thread, runspace or control
    /// connection: concurrent restarts of <c>web.1</c> each complete, one after the other, and leave one process.
    /// </remarks>
    /// <exception cref="FormationException">The new run ended, or was not ready within its ready_timeout; or the timeout is out of range.</exception>
    public async Task<FormationProcess> RestartProcessAsync(string name, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        CheckTimeout(timeout);
        using var turn = await TurnAsync(name, cancellationToken).ConfigureAwait(false);
        var (p, stopped) = await _loop.Call(() => _loop.BeginRestart(name, timeout)).ConfigureAwait(false);
        await stopped.WaitAsync(cancellationToken).ConfigureAwait(false);
        var run = await _loop.Call(() => _loop.Respawn(p)).Unwrap().WaitAsync(cancellationToken).ConfigureAwait(false);
        if (run is not null && !await run.Ready.Task.WaitAsync(cancellationToken).ConfigureAwait(false))
            throw await _loop.Call(() => _loop.RestartFailure(p, run)).ConfigureAwait(false);
        return WithUsage([await _loop.Call(() => _loop.Snapshot(p)).ConfigureAwait(false)])[0];
    }

    /// <summary>
    /// Sets the number of instances of a type: new instances take the next indexes and their ports;
    /// scaling down stops the highest indexes first. Scale operations run one at a time.
    /// </summary>
    public async Task<ScaleResult> ScaleAsync(string typeName, int count, CancellationToken cancellationToken = default)
    {
        await _scaleGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var type = Plan.Procfile.Find(typeName) ?? throw new FormationConfigException(new ConfigError(null, 0,
                $"Unknown process type '{typeName}'. Valid types: {string.Join(", ", Plan.Procfile.Types.Select(t => t.Name))}.") { Kind = ConfigErrorKind.UnknownType });
            var current = await _loop.Call(() => _loop.CountOf(type)).ConfigureAwait(false);
            if (Plan.CheckCount(type, count) is { } error) throw new FormationConfigException(error);
            Os.FileDescriptors.EnsureRoom(count - current, starting: false);
            var notes = PortCheck.Run(Plan, Enumerable.Range(current + 1, Math.Max(0, count - current)).Select(i => (type, i)));
            var (added, removed, done) = await _loop.Call(() => _loop.BeginScale(type, count, notes)).ConfigureAwait(false);
            await done.WaitAsync(cancellationToken).ConfigureAwait(false);
            return await _loop.Call(() => _loop.FinishScale(type, added, removed)).ConfigureAwait(false);
        }
        finally
        {
            _scaleGate.Release();
        }
    }

    /// <summary>
    /// Also writes every output line to <c>DIR/NAME.log</c> (rotated by size), from now on; the files flush when the
    /// event queue runs dry. Disposing the result stops writing.
    /// </summary>
    /// <exception cref="FormationException">The directory cannot be used, or a file there is a link, not a regular file, or another user's.</exception>
    public LogFiles WriteLogFiles(string directory, long maxBytes = LogFiles.DefaultMaxBytes, int keep = LogFiles.DefaultKeep)
    {
        var files = LogFiles.Open(directory, Plan.Instances().Select(i => InstanceName.Of(i.Type.Name, i.Index)).Append(LogLine.SystemName), maxBytes, keep);
        void OnOutput(object? sender, LogLine line) => files.Write(line);
        void OnDrained(object? sender, EventArgs e) => files.Flush();
        Output += OnOutput;
        Drained += OnDrained;
        files.OnDispose(() =>
        {
            Output -= OnOutput;
            Drained -= OnDrained;
        });
        return files;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await _events.CompleteAsync().ConfigureAwait(false);
        _loop.ShutDown();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public override string ToString() => $"{Name} {State}";

    // ---- called by the dispatcher, on its task ------------------------------------------------------

    internal void RaiseOutput(LogLine line)
    {
        try
        {
            Output?.Invoke(this, line);
        }
        catch (Exception ex)
        {
            Trace.TraceError($"Formation '{Name}': an Output handler threw: {ex}");
        }
    }

    internal void RaiseStateChanged(ProcessStateChangedEventArgs change)
    {
        try
        {
            ProcessStateChanged?.Invoke(this, change);
        }
        catch (Exception ex)
        {
            Trace.TraceError($"Formation '{Name}': a ProcessStateChanged handler threw: {ex}");
        }
    }

    internal void RaiseDrained()
    {
        try
        {
            Drained?.Invoke(this, EventArgs.Empty);
        }
        catch (Exception ex)
        {
            Trace.TraceError($"Formation '{Name}': a Drained handler threw: {ex}");
        }
    }

    internal void Complete(FormationOutcome outcome) => _completion.TrySetResult(outcome);

    /// <summary>
    /// The instance's turn (one start, stop or restart of it at a time), once no spawn of it is under way at the
    /// edge; disposing it ends the turn.
    /// </summary>
    private async Task<IDisposable> TurnAsync(string name, CancellationToken cancellationToken)
    {
        var turn = await _instanceGates.EnterAsync(name, cancellationToken).ConfigureAwait(false);
        try
        {
            await _loop.Call(() => _loop.SpawnSettled(name)).Unwrap().WaitAsync(cancellationToken).ConfigureAwait(false);
            return turn;
        }
        catch
        {
            turn.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The snapshots with the CPU time and memory of each running instance's group, read now from /proc in one pass,
    /// on the caller's thread (not the loop's): on demand, so nothing polls.
    /// </summary>
    private static FormationProcess[] WithUsage(IReadOnlyList<FormationProcess> snapshots)
    {
        var usage = GroupUsage.Read(snapshots.Where(p => p.Runs && p.ProcessId is not null).Select(p => p.ProcessId!.Value).ToList());
        return snapshots.Select(p => p.Runs && p.ProcessId is { } pid && usage.TryGetValue(pid, out var u)
            ? p with { CPU = Math.Round(u.CpuSeconds, 2), Memory = u.MemoryBytes }
            : p).ToArray();
    }

    /// <summary>The one duration bound (<see cref="Duration"/>: 0 to 24 h), whichever host sent the value.</summary>
    private static void CheckTimeout(TimeSpan? timeout)
    {
        if (timeout is { } t && !Duration.InRange(t))
            throw new FormationException($"Invalid stop timeout {Duration.Format(t)}: use {Duration.Grammar}.");
    }

    /// <summary>Waits for the loop's answer on the caller's thread (the synchronous members).</summary>
    private static T Answer<T>(Task<T> answer) => answer.GetAwaiter().GetResult();

    private static void Answer(Task answer) => answer.GetAwaiter().GetResult();
}
