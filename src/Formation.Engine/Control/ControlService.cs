using System.Globalization;
using System.Threading.Channels;
using Formation.Engine.Configuration;
using Formation.Engine.Output;
using Formation.Engine.Supervision;
using static Formation.Engine.Control.ControlProtocol;

namespace Formation.Engine.Control;

/// <summary>
/// The methods an endpoint serves, each one call of the formation's public API. Engine errors become JSON-RPC
/// errors with a code that says which kind (<see cref="FormationErrorCode"/>, <see cref="ConfigErrorCode"/>),
/// so the client can throw the same exception type. Requests run side by side: the engine serializes what
/// must not overlap (start, stop and restart of one instance), as it does for calls from its own host.
/// </summary>
internal sealed class ControlService(ProcessFormation formation)
{
    /// <summary>Lines a follower may fall behind by before lines are left out for it (and it is told how many).</summary>
    internal const int FollowBacklog = 10_000;

    /// <summary>Characters of lines a follower may fall behind by, whatever their count (lines can be 64 KiB long).</summary>
    internal const long FollowBacklogChars = 4 << 20;

    private const int MaxBatch = 500;

    private static readonly string Served = string.Join(", ", Hello, Processes, ControlProtocol.Environment, StartProcess, StopProcess, RestartProcess, Scale, Reload, Stop, Wait, Logs);

    /// <summary>Answers one request on its connection: a result, the lines and then a result, or an error.</summary>
    public async Task HandleAsync(RpcRequest request, ControlConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            switch (request.Method)
            {
                // Snapshots are answered whatever the connection's token says: a client that sent its request and
                // closed its side still gets the reply (the loop answers at once; nothing here can wait long).
                case Hello:
                    await connection.ReplyAsync(request, await DescribeAsync(formation).ConfigureAwait(false), TypeInfo<FormationInfo>()).ConfigureAwait(false);
                    break;
                case Processes:
                    await connection.ReplyAsync(request, (await formation.GetProcessesAsync().ConfigureAwait(false)).ToArray(), TypeInfo<FormationProcess[]>()).ConfigureAwait(false);
                    break;
                case ControlProtocol.Environment:
                    var environment = JsonRpcFormat.ReadParams(request, new EnvironmentRequest());
                    await connection.ReplyAsync(request, formation.GetEnvironment(environment.Process, environment.ShowSecrets).ToArray(), TypeInfo<EnvironmentVariable[]>()).ConfigureAwait(false);
                    break;
                case StartProcess:
                    var start = JsonRpcFormat.ReadParams<ProcessRequest>(request, new(""));
                    FormationProcess started;
                    using (connection.Working(request))
                        started = await formation.StartProcessAsync(Required(start.Name), cancellationToken).ConfigureAwait(false);
                    await connection.ReplyAsync(request, started, TypeInfo<FormationProcess>()).ConfigureAwait(false);
                    break;
                case StopProcess:
                case RestartProcess:
                    var process = JsonRpcFormat.ReadParams<ProcessRequest>(request, new(""));
                    var (name, timeout) = (Required(process.Name), Timeout(process.TimeoutSeconds));
                    FormationProcess changed;
                    using (connection.Working(request))
                    {
                        changed = request.Method == StopProcess
                            ? await formation.StopProcessAsync(name, timeout, cancellationToken).ConfigureAwait(false)
                            : await formation.RestartProcessAsync(name, timeout, cancellationToken).ConfigureAwait(false);
                    }
                    await connection.ReplyAsync(request, changed, TypeInfo<FormationProcess>()).ConfigureAwait(false);
                    break;
                case Scale:
                    var scale = JsonRpcFormat.ReadParams<ScaleRequest>(request, new("", 0));
                    ScaleResult scaled;
                    using (connection.Working(request))
                        scaled = await formation.ScaleAsync(Required(scale.Type), scale.Count, cancellationToken).ConfigureAwait(false);
                    await connection.ReplyAsync(request, scaled, TypeInfo<ScaleResult>()).ConfigureAwait(false);
                    break;
                case Reload:
                    var reload = JsonRpcFormat.ReadParams(request, new ReloadRequest());
                    ReloadPlan plan;
                    using (connection.Working(request))
                        plan = await formation.ReloadAsync(reload.DryRun, cancellationToken).ConfigureAwait(false);
                    await connection.ReplyAsync(request, plan, TypeInfo<ReloadPlan>()).ConfigureAwait(false);
                    break;
                case Stop:
                    var stop = JsonRpcFormat.ReadParams(request, new StopRequest());
                    var stopTimeout = Timeout(stop.TimeoutSeconds);
                    FormationOutcome stopped;
                    using (connection.Working(request))
                        stopped = await formation.StopAsync(stopTimeout, "stop requested through the control endpoint").WaitAsync(cancellationToken).ConfigureAwait(false);
                    await connection.ReplyAsync(request, stopped, TypeInfo<FormationOutcome>()).ConfigureAwait(false);
                    break;
                case Wait:
                    // Said at once, so the client knows the owner answers; then every heartbeat until the end, so the
                    // client can tell a long wait from an owner that stopped answering.
                    await connection.NotifyAsync<object?>(request, WorkingNotification, null, null, null).ConfigureAwait(false);
                    FormationOutcome outcome;
                    using (connection.Working(request))
                        outcome = await formation.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
                    await connection.ReplyAsync(request, outcome, TypeInfo<FormationOutcome>()).ConfigureAwait(false);
                    break;
                case Logs:
                    await LogsAsync(request, connection, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    await connection.FailAsync(request, MethodNotFound, $"Method not found: '{request.Method}'. The endpoint serves {Served}.").ConfigureAwait(false);
                    break;
            }
        }
        catch (ControlRequestException ex)
        {
            await connection.FailAsync(request, ex.Code, ex.Message).ConfigureAwait(false);
        }
        catch (FormationException ex)
        {
            await connection.FailAsync(request, ex is FormationConfigException ? ConfigErrorCode : FormationErrorCode, ex.Message).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await connection.FailAsync(request, RequestCancelled, $"Request {request.Method} cancelled.").ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not (IOException or System.Net.Sockets.SocketException or ObjectDisposedException))
        {
            // Never the owner's end: the request fails, the formation and every other connection carry on.
            await connection.FailAsync(request, InternalError, $"Internal error in {request.Method}: {ex.GetType().Name}: {ex.Message}").ConfigureAwait(false);
        }
    }

    internal static async Task<FormationInfo> DescribeAsync(ProcessFormation formation)
    {
        var scale = await formation.GetScaleAsync().ConfigureAwait(false);
        var count = scale.Values.Sum(); // the instances, without reading /proc for their usage
        return new FormationInfo(formation.Name, formation.Procfile, formation.WorkingDirectory, System.Environment.ProcessId,
            formation.StartTime, formation.State, count, scale, ControlProtocol.Version, formation.BasePort);
    }

    /// <summary>The tail of each named process's buffer, then (following) new lines in batches until the formation ends.</summary>
    private async Task LogsAsync(RpcRequest request, ControlConnection connection, CancellationToken cancellationToken)
    {
        var logs = JsonRpcFormat.ReadParams(request, new LogRequest());
        if (logs.Tail is < 0) throw new ControlRequestException(InvalidParams, $"Invalid line count {logs.Tail}: use 0 or more.");
        var names = logs.Processes is { Count: > 0 } given ? given : null;
        bool Wanted(LogLine line) => names is null || names.Any(n => n == line.Process || n == line.Type);
        Channel<LogLine>? live = null;
        var dropped = 0;
        var pendingChars = 0L;
        void OnOutput(object? sender, LogLine line)
        {
            if (!Wanted(line)) return;
            if (Interlocked.Add(ref pendingChars, line.Line.Length) > FollowBacklogChars || !live!.Writer.TryWrite(line))
            {
                Interlocked.Add(ref pendingChars, -line.Line.Length);
                Interlocked.Increment(ref dropped);
            }
        }
        Task Send(LogLine[] lines) => connection.NotifyAsync(request, LogNotification, "Lines", lines, TypeInfo<LogLine[]>());
        if (logs.Follow)
        {
            live = Channel.CreateBounded<LogLine>(new BoundedChannelOptions(FollowBacklog) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
            // Subscribe before taking the tail, so no line falls between the two; lines in both are sent once.
            formation.Output += OnOutput;
            _ = formation.Completion.ContinueWith(_ => live.Writer.TryComplete(), TaskScheduler.Default);
        }
        try
        {
            // Names are checked, and the tail taken, after the subscription: an instance scaled up in between has its
            // lines in one of the two. (An unknown name throws here; the finally unsubscribes.)
            if (names is not null)
            {
                var processes = await formation.GetProcessesWithoutUsageAsync().ConfigureAwait(false);
                if (names.FirstOrDefault(n => n != LogLine.SystemName && !processes.Any(p => p.Name == n || p.Type == n)) is { } unknown)
                    throw new FormationException($"No process or type named '{unknown}' in formation '{formation.Name}'. Processes: {string.Join(", ", processes.Select(p => p.Name))}.");
            }
            var buffered = logs.Tail == 0 ? [] : await formation.GetTailsAsync(names, logs.Tail).ConfigureAwait(false);
            foreach (var chunk in buffered.Chunk(MaxBatch)) await Send(chunk).ConfigureAwait(false);
            if (live is null)
            {
                await connection.ReplyAsync(request, new LogEnd(null), TypeInfo<LogEnd>()).ConfigureAwait(false);
                return;
            }
            if (buffered.Count == 0) await Send([]).ConfigureAwait(false); // the follow has begun
            var seen = buffered.ToHashSet();
            var batch = new List<LogLine>(MaxBatch);
            using var heartbeat = connection.Working(request); // a quiet follow still hears from the owner every heartbeat
            while (await live.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (batch.Count < MaxBatch && live.Reader.TryRead(out var line))
                {
                    Interlocked.Add(ref pendingChars, -line.Line.Length);
                    if (!seen.Remove(line)) batch.Add(line);
                }
                if (Interlocked.Exchange(ref dropped, 0) is > 0 and var n)
                    batch.Add(new LogLine(DateTimeOffset.Now, formation.Name, LogLine.SystemName, null, LogStream.System,
                        $"{n} lines were not sent to this reader: it fell more than {FollowBacklog} lines or {FollowBacklogChars >> 20} Mi characters behind"));
                if (batch.Count == 0) continue;
                await Send([.. batch]).ConfigureAwait(false);
                batch.Clear();
            }
            await connection.ReplyAsync(request, new LogEnd(formation.Outcome), TypeInfo<LogEnd>()).ConfigureAwait(false);
        }
        finally
        {
            if (live is not null) formation.Output -= OnOutput;
        }
    }

    private static string Required(string? value) =>
        string.IsNullOrEmpty(value) ? throw new ControlRequestException(InvalidParams, "Invalid params: a name is required.") : value;

    /// <summary>A timeout in seconds, within the one bound every Formation duration has (<see cref="Duration.Max"/>).</summary>
    private static TimeSpan? Timeout(double? seconds) =>
        seconds switch
        {
            null => null,
            { } s when double.IsFinite(s) && s >= 0 && s <= Duration.Max.TotalSeconds => TimeSpan.FromSeconds(s),
            { } s => throw new ControlRequestException(InvalidParams,
                $"Invalid TimeoutSeconds {s.ToString(CultureInfo.InvariantCulture)}: use 0 to {Duration.Max.TotalSeconds.ToString(CultureInfo.InvariantCulture)} seconds ({Duration.Format(Duration.Max)}, the longest duration Formation accepts)."),
        };
}
