using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;
using System.Threading.Channels;
using Formation.Engine.Configuration;
using Formation.Engine.Os;
using Formation.Engine.Output;

namespace Formation.Engine.Supervision;

/// <summary>
/// A running process formation. Every operation is thread-safe and event-driven: child exits arrive by
/// SIGCHLD, output by blocking reads on dedicated threads, restarts and deadlines by timers. One lock
/// guards the state; every event (output lines, the manager's own lines, state changes) goes through one
/// ordered queue to one dispatcher, so subscribers see them in order, one at a time.
/// </summary>
public sealed class ProcessFormation : IAsyncDisposable, IDisposable
{
    private static readonly TimeSpan OutputDrainGrace = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan GroupPollInterval = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ProbeFirstDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan ProbeMaxDelay = TimeSpan.FromMilliseconds(500);
    private static readonly HttpClient Http = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false })
    {
        Timeout = TimeSpan.FromSeconds(2),
    };

    private const int ReadBufferSize = 16 * 1024;
    private const int ReaderStackSize = 128 * 1024;
    private const int MaxBatchesInFlight = 16;

    private readonly object _gate = new();
    private readonly List<ManagedProcess> _processes = [];
    private readonly List<(string Name, int Pgid)> _strays = [];
    private readonly HashSet<string> _pendingTypes = new(StringComparer.Ordinal);
    private readonly List<TaskCompletionSource> _readyWaiters = [];
    private readonly Channel<object> _events = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _outputCredits = new(MaxBatchesInFlight);
    private readonly SemaphoreSlim _scaleGate = new(1, 1);
    private readonly TaskCompletionSource<FormationResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _killNow = new();
    private readonly LogBuffer _systemLog;
    private readonly TimeProvider _time;
    private readonly Task _dispatcher;
    private FormationState _state = FormationState.Running;
    private FormationResult? _result;
    private Task? _stopTask;
    private TimeSpan? _stopTimeout;
    private bool _started;
    private bool _openingGates;
    private bool _gatesDirty;

    internal ProcessFormation(FormationPlan plan, TimeProvider? time = null)
    {
        Plan = plan;
        _time = time ?? TimeProvider.System;
        _systemLog = new LogBuffer(plan.Options.LogBufferSize);
        _dispatcher = Task.Run(DispatchAsync);
    }

    public string Name => Plan.Name;
    public FormationPlan Plan { get; }
    public DateTimeOffset? StartTime { get; private set; }

    /// <summary>Full path of the Procfile.</summary>
    public string Procfile => Plan.Procfile.Path;

    /// <summary>Directory the processes run in.</summary>
    public string WorkingDirectory => Plan.WorkingDirectory;

    /// <summary>The base port (web.1's PORT when web is the first type).</summary>
    public int BasePort => Plan.BasePort;

    /// <summary>The current count of every type, in Procfile order.</summary>
    public IReadOnlyDictionary<string, int> Scale
    {
        get
        {
            lock (_gate)
            {
                var scale = new Dictionary<string, int>(StringComparer.Ordinal);
                foreach (var type in Plan.Procfile.Types) scale[type.Name] = _processes.Count(p => p.Type == type && !p.Removed);
                return scale;
            }
        }
    }

    /// <summary>Snapshots of every instance (the same as <see cref="GetProcesses"/>).</summary>
    public IReadOnlyList<FormationProcess> Processes => GetProcesses();

    public FormationState State
    {
        get { lock (_gate) return _state; }
    }

    /// <summary>How the formation ended, once it has.</summary>
    public FormationResult? Result => _completion.Task.IsCompletedSuccessfully ? _completion.Task.Result : null;

    /// <summary>Completes when the formation has ended and every event before the end has been dispatched.</summary>
    public Task<FormationResult> Completion => _completion.Task;

    /// <summary>Every output line and every line of the manager's own (<c>system</c>), in order.</summary>
    public event EventHandler<LogLine>? Output;

    /// <summary>A process changed state.</summary>
    public event EventHandler<ProcessStateChangedEventArgs>? ProcessStateChanged;

    /// <summary>Raised when the event queue has been emptied: the moment for a buffered writer to flush.</summary>
    public event EventHandler? Drained;

    /// <summary>
    /// Spawns the formation: types without <c>after</c> at once, the others as soon as every instance they
    /// name is ready (tasks: exited 0).
    /// </summary>
    /// <exception cref="FormationException">A PORT is held by another process (unless the plan's options say Force).</exception>
    public void Start()
    {
        lock (_gate)
        {
            if (_started) throw new InvalidOperationException($"Formation '{Name}' has already been started.");
            var instances = Plan.Instances().ToList();
            CheckPortsLocked(instances.Select(x => ($"{x.Type.Name}.{x.Index}", Plan.PortFor(x.Type, x.Index))));
            _started = true;
            StartTime = Now;
            foreach (var (type, index) in instances) AddLocked(type, index);
            foreach (var type in Plan.Procfile.Types) _pendingTypes.Add(type.Name);
            OpenGatesLocked();
            CheckEndedLocked();
        }
    }

    /// <summary>
    /// Completes when every type has started and every instance is ready (tasks: exited 0). Fails with a
    /// <see cref="FormationException"/> when the start fails or the formation ends first.
    /// </summary>
    public Task WhenReadyAsync(CancellationToken cancellationToken = default)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _readyWaiters.Add(tcs);
            CheckReadyWaitersLocked();
        }
        return tcs.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Snapshots of every instance, in Procfile order then by index.</summary>
    public IReadOnlyList<FormationProcess> GetProcesses()
    {
        lock (_gate)
        {
            var now = Now;
            return _processes.Select(p => p.Snapshot(Name, now)).ToArray();
        }
    }

    /// <summary>A snapshot of one instance (<c>web.1</c>), or null.</summary>
    public FormationProcess? GetProcess(string name)
    {
        lock (_gate) return _processes.Find(p => p.Name == name)?.Snapshot(Name, Now);
    }

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
            ManagedProcess p;
            lock (_gate) p = FindLocked(process);
            env = Plan.EnvironmentWithSources(p.Type, p.Index);
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
        if (process == LogLine.SystemName) return _systemLog.Snapshot(tail);
        List<LogBuffer> buffers;
        lock (_gate)
        {
            buffers = process is null
                ? [.. _processes.Select(p => p.Log), _systemLog]
                : _processes.Where(p => p.Name == process).Select(p => p.Log).ToList();
        }
        var merged = buffers.SelectMany(b => b.Snapshot(tail)).OrderBy(l => l.Timestamp).ToList();
        return tail is { } n && merged.Count > n ? merged.GetRange(merged.Count - n, n) : merged;
    }

    /// <summary>
    /// Stops every process: the stop signal to each process group at once, SIGKILL to any group still
    /// alive after the timeout. Completes with the formation's result once everything is gone.
    /// </summary>
    /// <param name="timeout">Overrides every type's stop timeout.</param>
    /// <param name="reason">Shown as a system line (for example "SIGINT received").</param>
    public Task<FormationResult> StopAsync(TimeSpan? timeout = null, string? reason = null)
    {
        lock (_gate)
        {
            if (_stopTask is null)
            {
                if (reason is not null) SystemLocked(reason);
                _stopTimeout = timeout;
                BeginStopLocked(new FormationResult(FormationEndReason.Stopped, 0, null));
            }
        }
        return Completion;
    }

    /// <summary>SIGKILLs every process group now (a second Ctrl+C), whether or not a stop is under way.</summary>
    public void Kill(string? reason = null)
    {
        if (reason is not null) lock (_gate) SystemLocked(reason);
        _killNow.Cancel();
        StopAsync();
    }

    /// <summary>Starts an instance that is not running (after it exited, crashed, failed or was stopped).</summary>
    public FormationProcess StartProcess(string name)
    {
        lock (_gate)
        {
            EnsureRunningLocked();
            var p = FindLocked(name);
            if (!p.IsLive)
            {
                p.Tracker.Reset();
                if (p.StartTime is not null) p.Restarts++;
                SpawnLocked(p);
            }
            return p.Snapshot(Name, Now);
        }
    }

    /// <summary>Stops one instance (its whole group) and does not restart it.</summary>
    public async Task<FormationProcess> StopProcessAsync(string name, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ManagedProcess p;
        ProcessRun? run;
        lock (_gate)
        {
            p = FindLocked(name);
            run = p.Run;
            var pendingRestart = p.NextRestart is not null;
            p.StopRequested = true;
            p.CancelRestart();
            // Not running: one waiting for its restart, or for its dependencies, is now simply Stopped.
            if (run is null && (pendingRestart || !p.Announced)) SetStateLocked(p, ProcessState.Stopped);
        }
        if (run is not null) await StopRunAsync(p, run, timeout ?? p.Settings.StopTimeout, announce: true).WaitAsync(cancellationToken);
        lock (_gate) return p.Snapshot(Name, Now);
    }

    /// <summary>
    /// Stops the instance if it runs, then starts it again with the same name, environment and PORT.
    /// Completes once the new run is ready (its probe passed, or it is running when it has none), so a
    /// pipeline of restarts is a rolling restart.
    /// </summary>
    /// <exception cref="FormationException">The new run ended, or was not ready within its ready_timeout.</exception>
    public async Task<FormationProcess> RestartProcessAsync(string name, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ManagedProcess p;
        ProcessRun? run;
        lock (_gate)
        {
            EnsureRunningLocked();
            p = FindLocked(name);
            run = p.Run;
            p.CancelRestart();
        }
        if (run is not null) await StopRunAsync(p, run, timeout ?? p.Settings.StopTimeout, announce: true).WaitAsync(cancellationToken);
        ProcessRun? next;
        lock (_gate)
        {
            EnsureRunningLocked();
            if (p.Removed) throw new FormationException($"Process '{name}' was scaled away while it restarted.");
            if (!p.IsLive)
            {
                p.Tracker.Reset();
                p.Restarts++;
                SpawnLocked(p);
            }
            next = p.Run;
        }
        if (next is not null && !await next.Ready.Task.WaitAsync(cancellationToken))
        {
            lock (_gate)
            {
                throw new FormationException(p.Run == next
                    ? $"{name} restarted but was not ready {ReadyLimit(p)}."
                    : $"{name} restarted but ended before it was ready ({p.ExitStatus})." + LastLines(p));
            }
        }
        lock (_gate) return p.Snapshot(Name, Now);
    }

    /// <summary>
    /// Sets the number of instances of a type: new instances take the next indexes and their ports;
    /// scaling down stops the highest indexes first. Scale operations run one at a time.
    /// </summary>
    public async Task<ScaleResult> ScaleAsync(string typeName, int count, CancellationToken cancellationToken = default)
    {
        await _scaleGate.WaitAsync(cancellationToken);
        try
        {
            ProcessType type;
            List<ManagedProcess> added = [], removed;
            lock (_gate)
            {
                EnsureRunningLocked();
                type = Plan.Procfile.Find(typeName) ?? throw new FormationConfigException(new ConfigError(null, 0,
                    $"Unknown process type '{typeName}'. Valid types: {string.Join(", ", Plan.Procfile.Types.Select(t => t.Name))}."));
                if (Plan.CheckCount(type, count) is { } error) throw new FormationConfigException(error);
                var current = _processes.Where(p => p.Type == type && !p.Removed).OrderBy(p => p.Index).ToList();
                CheckPortsLocked(Enumerable.Range(current.Count + 1, Math.Max(0, count - current.Count)).Select(i => ($"{type.Name}.{i}", Plan.PortFor(type, i))));
                if (current.Count != count) SystemLocked($"scaling {type.Name} from {current.Count} to {count}");
                for (var i = current.Count + 1; i <= count; i++) added.Add(AddLocked(type, i));
                removed = current.Count > count ? current.Skip(count).Reverse().ToList() : [];
                foreach (var p in removed)
                {
                    p.Removed = true;
                    p.StopRequested = true;
                    p.CancelRestart();
                }
                if (!_pendingTypes.Contains(type.Name))
                    foreach (var p in added) SpawnLocked(p);
            }
            var stops = removed.Select(p => p.Run is { } run ? StopRunAsync(p, run, p.Settings.StopTimeout, announce: false) : Task.CompletedTask);
            await Task.WhenAll(stops).WaitAsync(cancellationToken);
            lock (_gate)
            {
                var now = Now;
                foreach (var p in removed)
                {
                    if (p.State is ProcessState.Running or ProcessState.Ready or ProcessState.Starting or ProcessState.Stopping) SetStateLocked(p, ProcessState.Stopped);
                    _processes.Remove(p);
                }
                CheckReadyWaitersLocked();
                return new ScaleResult(type.Name, added.Select(p => p.Snapshot(Name, now)).ToArray(), removed.Select(p => p.Snapshot(Name, now)).ToArray());
            }
        }
        finally
        {
            _scaleGate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _events.Writer.TryComplete();
        await _dispatcher.ConfigureAwait(false);
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public override string ToString() => $"{Name} {State}";

    // ---- spawning and output ----------------------------------------------------------------------

    private DateTimeOffset Now => _time.GetLocalNow();

    private ManagedProcess AddLocked(ProcessType type, int index)
    {
        var p = new ManagedProcess(Plan.Settings(type), index, Plan.PortFor(type, index), Plan.EnvironmentFor(type, index), Plan.Options.LogBufferSize);
        var at = _processes.FindIndex(q => q.Type.Position > type.Position || (q.Type == type && q.Index > index));
        _processes.Insert(at < 0 ? _processes.Count : at, p);
        return p;
    }

    /// <summary>Refuses ports that another process listens on (names it where the OS tells), unless Force.</summary>
    private void CheckPortsLocked(IEnumerable<(string Name, int? Port)> instances)
    {
        var wanted = instances.Where(i => i.Port is not null).ToDictionary(i => i.Port!.Value, i => i.Name);
        var taken = PortOwners.Find(wanted.Keys);
        if (taken.Count == 0) return;
        var lines = taken.OrderBy(t => t.Key).Select(t => $"port {t.Key} for {wanted[t.Key]} is in use by {t.Value}").ToList();
        if (Plan.Options.Force)
        {
            foreach (var line in lines) SystemLocked($"{line}; starting anyway (force)");
            return;
        }
        throw new FormationException(string.Join("; ", lines) + ". Stop it, choose another base port (-p), or force the start.");
    }

    private void SpawnLocked(ManagedProcess p)
    {
        p.CancelRestart();
        p.StopRequested = false;
        SetStateLocked(p, ProcessState.Starting);
        using var reaping = ChildReaper.HoldReaping();
        SpawnedChild child;
        try
        {
            child = ProcessSpawner.Spawn(p.Type.Command, p.Settings.WorkingDirectory, p.Environment);
        }
        catch (Exception ex) when (ex is SpawnException or IOException or PlatformNotSupportedException or UnauthorizedAccessException)
        {
            p.FailureReason = ex.Message;
            p.ExitStatus = null;
            p.ExitTime = Now;
            SystemLocked($"{p.Name} failed to start: {ex.Message}");
            SetStateLocked(p, ProcessState.Failed);
            var code = ex.Message.StartsWith("permission denied", StringComparison.Ordinal) ? 126 : 127;
            if (!FailStartIfNeededLocked(p, code, $"{p.Name} failed to start: {ex.Message}")) OnNotRestartedLocked(p, code);
            return;
        }
        Watchdog.Add(child.Pid);
        var now = Now;
        var run = new ProcessRun(child.Pid, now);
        p.Run = run;
        p.LastPid = child.Pid;
        p.StartTime = now;
        p.ExitTime = null;
        p.ExitStatus = null;
        p.FailureReason = null;
        SystemLocked($"{p.Name} started with pid {child.Pid}" + (p.Port is { } port ? $" (PORT={port})" : ""));
        StartProbeLocked(p, run);
        SetStateLocked(p, ProcessState.Running);
        StartReader(p, run, child.StdOut, LogStream.StdOut);
        StartReader(p, run, child.StdErr, LogStream.StdErr);
        ChildReaper.Watch(child.Pid, status => Task.Run(() => CompleteExitAsync(p, run, status)));
    }

    /// <summary>Reads a pipe until end of file: through the shared epoll loop on Linux, else on a thread of its own.</summary>
    private void StartReader(ManagedProcess p, ProcessRun run, int fd, LogStream kind)
    {
        var pump = new OutputPump(this, p, run, kind);
        if (EpollReader.Supported)
        {
            EpollReader.Shared.Add(fd, pump);
            return;
        }
        var stream = SpawnedChild.OpenStream(fd);
        var thread = new Thread(() => ReadBlocking(stream, pump), ReaderStackSize)
        {
            IsBackground = true,
            Name = $"{p.Name} {kind}",
        };
        thread.Start();
    }

    private static void ReadBlocking(Stream stream, OutputPump pump)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ReadBufferSize);
        try
        {
            while (true)
            {
                int n;
                try
                {
                    n = stream.Read(buffer, 0, ReadBufferSize);
                }
                catch (IOException)
                {
                    break;
                }
                if (n <= 0) break;
                pump.OnData(buffer.AsSpan(0, n));
            }
        }
        finally
        {
            stream.Dispose();
            ArrayPool<byte>.Shared.Return(buffer);
            pump.OnEnd();
        }
    }

    /// <summary>Turns one pipe's bytes into whole lines and hands them to <see cref="Deliver"/>.</summary>
    private sealed class OutputPump(ProcessFormation owner, ManagedProcess process, ProcessRun run, LogStream kind) : IPipeSink
    {
        private readonly LineSplitter _splitter = new();
        private List<string> _lines = [];

        public void OnData(ReadOnlySpan<byte> data)
        {
            _splitter.Push(data, _lines);
            if (_lines.Count == 0) return;
            owner.Deliver(process, run, kind, _lines);
            _lines = [];
        }

        public void OnEnd()
        {
            _splitter.Flush(_lines);
            if (_lines.Count > 0) owner.Deliver(process, run, kind, _lines);
            run.ReaderFinished();
        }
    }

    /// <summary>Queues a batch of lines; blocks the reader (and so, through its pipe, the child) when subscribers fall behind.</summary>
    private void Deliver(ManagedProcess p, ProcessRun run, LogStream kind, List<string> texts)
    {
        _outputCredits.Wait();
        var now = Now;
        var lines = new LogLine[texts.Count];
        for (var i = 0; i < lines.Length; i++) lines[i] = new LogLine(now, Name, p.Name, p.Type.Name, kind, texts[i]);
        // The crash record is kept here, not by the dispatcher: the exit handler waits for the readers, so it sees every line.
        foreach (var line in lines.AsSpan(Math.Max(0, lines.Length - ManagedProcess.LastOutputLines))) p.Recent.Add(line);
        if (!_events.Writer.TryWrite(new OutputBatch(p, lines))) _outputCredits.Release();
        if (run.OutputProbe is { } probe && texts.Exists(t => SafeMatch(probe, t))) MarkReady(p, run);
    }

    private static bool SafeMatch(System.Text.RegularExpressions.Regex regex, string text)
    {
        try
        {
            return regex.IsMatch(text);
        }
        catch (System.Text.RegularExpressions.RegexMatchTimeoutException)
        {
            return false;
        }
    }

    // ---- readiness and start order ----------------------------------------------------------------

    /// <summary>Arms the run's readiness probe: output lines are matched as they arrive; TCP and HTTP are tried with backoff.</summary>
    private void StartProbeLocked(ManagedProcess p, ProcessRun run)
    {
        if (p.Settings.Task) return;
        var probe = p.Settings.Ready;
        if (probe is null)
        {
            run.Ready.TrySetResult(true);
            return;
        }
        run.ReadyTimer = _time.CreateTimer(_ => OnReadyTimeout(p, run), null, p.Settings.ReadyTimeout, Timeout.InfiniteTimeSpan);
        if (probe.Kind == ReadyKind.Output) run.OutputProbe = probe.Regex;
        else if (p.Port is { } port) _ = Task.Run(() => PollReadyAsync(p, run, probe, port));
        else SystemLocked($"{p.Name} has a {probe.Kind.ToString().ToLowerInvariant()} probe but no PORT (port: none): it can never be ready");
    }

    private async Task PollReadyAsync(ManagedProcess p, ProcessRun run, ReadyProbe probe, int port)
    {
        var delay = ProbeFirstDelay;
        var token = run.Probe.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(delay, _time, token).ConfigureAwait(false);
                if (await ProbeOnceAsync(probe, port, token).ConfigureAwait(false))
                {
                    MarkReady(p, run);
                    return;
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            delay = delay * 2 < ProbeMaxDelay ? delay * 2 : ProbeMaxDelay;
        }
    }

    private static async Task<bool> ProbeOnceAsync(ReadyProbe probe, int port, CancellationToken token)
    {
        try
        {
            if (probe.Kind == ReadyKind.Tcp)
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(token);
                attempt.CancelAfter(TimeSpan.FromSeconds(1));
                await socket.ConnectAsync(System.Net.IPAddress.Loopback, port, attempt.Token).ConfigureAwait(false);
                return true;
            }
            using var response = await Http.GetAsync($"http://127.0.0.1:{port}{probe.Path}", HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
            return (int)response.StatusCode is >= 200 and < 400;
        }
        catch (Exception ex) when (ex is SocketException or HttpRequestException or IOException || (ex is OperationCanceledException && !token.IsCancellationRequested))
        {
            return false;
        }
    }

    private void MarkReady(ManagedProcess p, ProcessRun run)
    {
        lock (_gate)
        {
            if (p.Run != run || run.Ready.Task.IsCompleted || p.State != ProcessState.Running) return;
            StopProbe(run);
            SystemLocked($"{p.Name} ready ({Duration.Format(Now - run.Started)})");
            SetStateLocked(p, ProcessState.Ready);
            run.Ready.TrySetResult(true);
        }
    }

    private void OnReadyTimeout(ManagedProcess p, ProcessRun run)
    {
        lock (_gate)
        {
            if (p.Run != run || run.Ready.Task.IsCompleted) return;
            StopProbe(run);
            var message = $"{p.Name} not ready {ReadyLimit(p)}";
            SystemLocked(message);
            run.Ready.TrySetResult(false);
            FailStartIfNeededLocked(p, FormationResult.NotReadyExitCode, message + "." + LastLines(p));
            CheckReadyWaitersLocked();
        }
    }

    private static void StopProbe(ProcessRun run)
    {
        run.OutputProbe = null;
        run.ReadyTimer?.Dispose();
        run.Probe.Cancel();
    }

    /// <summary>Starts every pending type whose dependencies are all ready, until nothing more can start.</summary>
    private void OpenGatesLocked()
    {
        if (_openingGates)
        {
            _gatesDirty = true;
            return;
        }
        _openingGates = true;
        try
        {
            do
            {
                _gatesDirty = false;
                if (_state != FormationState.Running) return;
                foreach (var type in Plan.Procfile.Types.Where(t => _pendingTypes.Contains(t.Name)).ToList())
                {
                    var waiting = Plan.Settings(type).After.Where(dep => !DependencyReadyLocked(dep)).ToList();
                    if (waiting.Count > 0) continue;
                    _pendingTypes.Remove(type.Name);
                    var instances = _processes.Where(p => p.Type == type && !p.Removed && !p.IsLive && !p.StopRequested).ToList();
                    if (instances.Count > 0 && Plan.Settings(type).After.Count > 0)
                        SystemLocked($"starting {type.Name}: {string.Join(", ", Plan.Settings(type).After)} ready");
                    foreach (var p in instances) SpawnLocked(p);
                }
            }
            while (_gatesDirty);
        }
        finally
        {
            _openingGates = false;
        }
    }

    /// <summary>Instances stopped on request are left out (<see cref="CountsForReadiness"/>): stopping one is a decision, not a failure to become ready.</summary>
    private bool DependencyReadyLocked(string type) =>
        !_pendingTypes.Contains(type) && _processes.Where(p => p.Type.Name == type && CountsForReadiness(p)).All(p => p.IsReady);

    private static bool CountsForReadiness(ManagedProcess p) => !p.Removed && p.State != ProcessState.Stopped;

    /// <summary><c>within 30 s (http /health)</c>: the part of every not-ready message that says what was waited for.</summary>
    private static string ReadyLimit(ManagedProcess p) => $"within {Duration.Format(p.Settings.ReadyTimeout)} ({p.Settings.Ready})";

    /// <summary>Whether some type that has not started yet waits for this process's type.</summary>
    private bool BlocksAStartLocked(ManagedProcess p) =>
        _pendingTypes.Any(t => Plan.Settings(Plan.Procfile.Find(t)!).After.Contains(p.Type.Name));

    /// <summary>
    /// A task that failed, or a dependency that failed or was not ready in time, fails the start: the
    /// formation stops with the process's code and its last output lines. Returns whether it did.
    /// </summary>
    private bool FailStartIfNeededLocked(ManagedProcess p, int exitCode, string message)
    {
        if (_state != FormationState.Running || !(p.Settings.Task || BlocksAStartLocked(p))) return false;
        SystemLocked($"start failed: {message.Split('\n')[0].TrimEnd('.')}; stopping the formation");
        BeginStopLocked(new FormationResult(FormationEndReason.StartFailed, exitCode, p.Name, message));
        return true;
    }

    private void CheckReadyWaitersLocked()
    {
        if (_readyWaiters.Count == 0) return;
        Exception? failure = null;
        if (_result is { } result)
        {
            failure = new FormationException(result.Reason == FormationEndReason.StartFailed
                ? result.Message ?? $"The start of '{Name}' failed."
                : $"Formation '{Name}' ended before it was ready ({result.Reason}).");
        }
        else if (_processes.FirstOrDefault(p => p.State == ProcessState.Failed && !p.Removed) is { } failed)
        {
            failure = new FormationException($"{failed.Name} failed: {failed.FailureReason}" + LastLines(failed));
        }
        else if (_processes.FirstOrDefault(p => p.Run is { Ready.Task: { IsCompleted: true, Result: false } } && !p.Removed) is { } slow)
        {
            failure = new FormationException($"{slow.Name} was not ready {ReadyLimit(slow)}.");
        }
        else if (_pendingTypes.Count > 0 || !_processes.Where(CountsForReadiness).All(p => p.IsReady))
        {
            return;
        }
        foreach (var waiter in _readyWaiters)
        {
            if (failure is null) waiter.TrySetResult();
            else waiter.TrySetException(failure);
        }
        _readyWaiters.Clear();
    }

    private static string LastLines(ManagedProcess p)
    {
        var lines = p.Recent.Snapshot(10);
        return lines.Length == 0 ? "" : $"\nLast output of {p.Name}:\n" + string.Join("\n", lines.Select(l => "  " + l.Line));
    }

    // ---- exits and the restart policy -------------------------------------------------------------

    private async Task CompleteExitAsync(ManagedProcess p, ProcessRun run, WaitStatus status)
    {
        // Let the readers deliver what the process wrote before it ended, so "exited" follows its last line.
        // A grandchild holding the pipe open must not delay the report for long.
        try
        {
            await run.ReadersDone.WaitAsync(OutputDrainGrace, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
        bool stopping;
        lock (_gate) stopping = p.StopRequested;
        var leftovers = stopping ? [] : ProcessGroups.LiveMembers(run.Pid);
        lock (_gate) HandleExitLocked(p, run, status, leftovers);
    }

    private void HandleExitLocked(ManagedProcess p, ProcessRun run, WaitStatus status, List<(int Pid, string Name)> leftovers)
    {
        if (p.Run != run) return;
        var now = Now;
        p.Run = null;
        p.ExitStatus = status;
        p.ExitTime = now;
        StopProbe(run);
        run.Ready.TrySetResult(p.Settings.Task && status.Success);
        SystemLocked($"{p.Name} {status}");
        if (p.StopRequested)
        {
            // The stop under way waits for the rest of the group and sets the state.
            run.Exited.TrySetResult(status);
            return;
        }
        if (leftovers.Count == 0) Watchdog.Remove(run.Pid);
        else
        {
            _strays.Add((p.Name, run.Pid));
            SystemLocked($"{p.Name} left {leftovers.Count} process(es) running in its group " +
                $"({string.Join(", ", leftovers.Select(l => $"{l.Name} pid {l.Pid}"))}); they are stopped with the formation");
        }
        SetStateLocked(p, status.Success ? ProcessState.Exited : ProcessState.Crashed);
        run.Exited.TrySetResult(status);
        if (_state != FormationState.Running) return;
        if (p.Settings.Task && !status.Success)
        {
            FailStartIfNeededLocked(p, status.ShellCode, $"task {p.Name} {status}." + LastLines(p));
            return;
        }

        var policy = p.Settings.Restart;
        if (policy == RestartPolicy.Never || (policy == RestartPolicy.OnFailure && status.Success))
        {
            // A dependency that is done for good can never be ready: the types waiting for it would wait forever.
            if (!p.Settings.Task && FailStartIfNeededLocked(p, status.Success ? FormationResult.NotReadyExitCode : status.ShellCode,
                    $"{p.Name} {status} and is not restarted, so the types after it cannot start." + LastLines(p)))
                return;
            OnNotRestartedLocked(p, status.ShellCode);
            CheckEndedLocked();
            return;
        }
        var delay = p.Tracker.RecordEnd(now, now - run.Started);
        if (delay is null)
        {
            p.FailureReason = $"ended {p.Tracker.Count} times within {Duration.Format(p.Settings.RestartSettings.Window)} (last {status}); not restarting it";
            SystemLocked($"{p.Name} {p.FailureReason}");
            SetStateLocked(p, ProcessState.Failed);
            if (!FailStartIfNeededLocked(p, status.ShellCode, $"{p.Name} {p.FailureReason}." + LastLines(p))) OnNotRestartedLocked(p, status.ShellCode);
            CheckEndedLocked();
            return;
        }
        p.NextRestart = now + delay.Value;
        var generation = ++p.Generation;
        SystemLocked($"restarting {p.Name} in {Duration.Format(delay.Value)}");
        p.RestartTimer = _time.CreateTimer(_ => RestartAfterBackoff(p, generation), null, delay.Value, Timeout.InfiniteTimeSpan);
    }

    private void RestartAfterBackoff(ManagedProcess p, int generation)
    {
        lock (_gate)
        {
            if (p.Generation != generation || _state != FormationState.Running || p.Removed || p.IsLive) return;
            p.Restarts++;
            SpawnLocked(p);
        }
    }

    private void OnNotRestartedLocked(ManagedProcess p, int exitCode)
    {
        if (!Plan.Options.ExitOnError || _state != FormationState.Running || p.Settings.Task) return;
        SystemLocked($"{p.Name} ended and is not restarted: stopping the formation (exit-on-error)");
        BeginStopLocked(new FormationResult(FormationEndReason.ExitOnError, exitCode, p.Name));
    }

    private void CheckEndedLocked()
    {
        if (_state != FormationState.Running) return;
        if (_processes.Any(p => p.IsLive || p.NextRestart is not null || p.State is ProcessState.Starting or ProcessState.Stopping)) return;
        if (_processes.Any(p => _pendingTypes.Contains(p.Type.Name) && !p.Removed)) return;
        var failed = _processes.Any(p => p.State is ProcessState.Crashed or ProcessState.Failed);
        SystemLocked(_processes.Count == 0 ? "no processes to run" : "every process has ended");
        BeginStopLocked(new FormationResult(FormationEndReason.AllEnded, failed ? FormationResult.ProcessFailedExitCode : 0, null));
    }

    // ---- stopping ---------------------------------------------------------------------------------

    private void BeginStopLocked(FormationResult result)
    {
        if (_stopTask is not null) return;
        _result = result;
        _state = FormationState.Stopping;
        _pendingTypes.Clear();
        foreach (var p in _processes)
        {
            p.CancelRestart();
            // Instances still waiting for their dependencies never ran: they end as Stopped, not Starting.
            if (!p.Announced) SetStateLocked(p, ProcessState.Stopped);
        }
        var targets = _processes.Where(p => p.Run is not null).Select(p => (Process: p, Run: p.Run!)).ToList();
        var strays = _strays.ToList();
        _strays.Clear();
        var signals = targets.Select(t => t.Process.Settings.StopSignal).Distinct().ToList();
        if (targets.Count + strays.Count > 0)
            SystemLocked($"sending {(signals.Count == 1 ? Signals.Name(signals[0]) : "the stop signals")} to all processes");
        CheckReadyWaitersLocked();
        _stopTask = Task.Run(() => StopAllAsync(targets, strays));
    }

    private async Task StopAllAsync(List<(ManagedProcess Process, ProcessRun Run)> targets, List<(string Name, int Pgid)> strays)
    {
        var stops = targets.Select(t => StopRunAsync(t.Process, t.Run, _stopTimeout ?? t.Process.Settings.StopTimeout, announce: false))
            .Concat(strays.Select(s => StopGroupAsync(s.Name, s.Pgid, null, Plan.StopSignal, _stopTimeout ?? TypeSettings.DefaultStopTimeout)));
        await Task.WhenAll(stops).ConfigureAwait(false);
        lock (_gate)
        {
            _state = _result!.Reason == FormationEndReason.Stopped ? FormationState.Stopped : FormationState.Completed;
            _events.Writer.TryWrite(new Ended(_result));
        }
    }

    /// <summary>Stops one run: the type's stop signal to its group, then SIGKILL after the timeout; ends when the group is gone.</summary>
    private async Task StopRunAsync(ManagedProcess p, ProcessRun run, TimeSpan timeout, bool announce)
    {
        var signal = p.Settings.StopSignal;
        lock (_gate)
        {
            p.StopRequested = true;
            p.CancelRestart();
            if (p.Run != run) return;
            SetStateLocked(p, ProcessState.Stopping);
            if (announce) SystemLocked($"sending {Signals.Name(signal)} to {p.Name} (pid {run.Pid})");
        }
        ProcessGroups.Signal(run.Pid, signal);
        await StopGroupAsync(p.Name, run.Pid, run.Exited.Task, signal, timeout).ConfigureAwait(false);
        lock (_gate)
        {
            if (p.Run == run) p.Run = null;
            SetStateLocked(p, ProcessState.Stopped);
        }
    }

    /// <summary>Waits for a signalled group (and its leader, when there is one) to end; SIGKILLs it at the deadline or on <see cref="Kill"/>.</summary>
    private async Task StopGroupAsync(string name, int pgid, Task? leaderExited, int signal, TimeSpan timeout)
    {
        try
        {
            await SignalGroupUntilGoneAsync(name, pgid, leaderExited, signal, timeout).ConfigureAwait(false);
        }
        finally
        {
            Watchdog.Remove(pgid);
        }
    }

    private async Task SignalGroupUntilGoneAsync(string name, int pgid, Task? leaderExited, int signal, TimeSpan timeout)
    {
        if (leaderExited is null) ProcessGroups.Signal(pgid, signal);
        var started = _time.GetTimestamp();
        try
        {
            if (leaderExited is not null) await leaderExited.WaitAsync(timeout, _time, _killNow.Token).ConfigureAwait(false);
            while (ProcessGroups.IsAlive(pgid))
            {
                var remaining = timeout - _time.GetElapsedTime(started);
                if (remaining <= TimeSpan.Zero) throw new TimeoutException();
                await Task.Delay(remaining < GroupPollInterval ? remaining : GroupPollInterval, _time, _killNow.Token).ConfigureAwait(false);
            }
            return;
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
        }
        lock (_gate)
        {
            SystemLocked(_killNow.IsCancellationRequested
                ? $"killing {name} (pgid {pgid})"
                : $"killing {name} (pgid {pgid}): still running {Duration.Format(timeout)} after {Signals.Name(signal)}");
        }
        ProcessGroups.Signal(pgid, Signals.Kill);
        try
        {
            if (leaderExited is not null) await leaderExited.WaitAsync(KillWait, _time).ConfigureAwait(false);
            var killed = _time.GetTimestamp();
            while (ProcessGroups.IsAlive(pgid) && _time.GetElapsedTime(killed) < KillWait)
                await Task.Delay(GroupPollInterval, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------

    private ManagedProcess FindLocked(string name) =>
        _processes.Find(p => p.Name == name && !p.Removed) ?? throw new FormationException(
            $"No process named '{name}' in formation '{Name}'. Processes: {string.Join(", ", _processes.Select(p => p.Name))}.");

    private void EnsureRunningLocked()
    {
        if (_state != FormationState.Running)
            throw new FormationException($"Formation '{Name}' is {_state.ToString().ToLowerInvariant()}; start it again to run processes.");
    }

    private void SetStateLocked(ManagedProcess p, ProcessState state)
    {
        var previous = p.Announced ? p.State : (ProcessState?)null;
        p.State = state;
        p.Announced = true;
        _events.Writer.TryWrite(new ProcessStateChangedEventArgs(p.Snapshot(Name, Now), previous));
        if (_pendingTypes.Count > 0 && p.IsReady) OpenGatesLocked();
        CheckReadyWaitersLocked();
    }

    private void SystemLocked(string text) =>
        _events.Writer.TryWrite(new LogLine(Now, Name, LogLine.SystemName, null, LogStream.System, text));

    private async Task DispatchAsync()
    {
        var reader = _events.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var item))
            {
                switch (item)
                {
                    case OutputBatch batch:
                        foreach (var line in batch.Lines)
                        {
                            batch.Process.Log.Add(line);
                            Raise(Output, line);
                        }
                        _outputCredits.Release();
                        break;
                    case LogLine line:
                        _systemLog.Add(line);
                        Raise(Output, line);
                        break;
                    case ProcessStateChangedEventArgs change:
                        Raise(ProcessStateChanged, change);
                        break;
                    case Ended ended:
                        RaiseDrained();
                        _completion.TrySetResult(ended.Result);
                        break;
                }
            }
            RaiseDrained();
        }
    }

    private void Raise<T>(EventHandler<T>? handler, T args)
    {
        try
        {
            handler?.Invoke(this, args);
        }
        catch (Exception ex)
        {
            Trace.TraceError($"Formation '{Name}': an event handler threw: {ex}");
        }
    }

    private void RaiseDrained()
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

    private sealed record OutputBatch(ManagedProcess Process, LogLine[] Lines);

    private sealed record Ended(FormationResult Result);
}
