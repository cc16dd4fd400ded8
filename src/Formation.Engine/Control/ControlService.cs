using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Formation.Engine.Configuration;
using Formation.Engine.Output;
using Formation.Engine.Supervision;
using StreamJsonRpc;
using StreamJsonRpc.Protocol;

namespace Formation.Engine.Control;

/// <summary>
/// The methods an endpoint serves, each one call of the formation's public API. Engine errors become
/// JSON-RPC errors with a code that says which kind (<see cref="ControlProtocol.FormationErrorCode"/>,
/// <see cref="ControlProtocol.ConfigErrorCode"/>), so the client can throw the same exception type.
/// Requests that change processes (start, stop, restart, scale) run one at a time across all connections
/// (<paramref name="changes"/>, one per endpoint): the engine's restart is not safe against a concurrent
/// restart of the same instance, and one at a time is what a rolling restart means anyway.
/// </summary>
internal sealed class ControlService(ProcessFormation formation, SemaphoreSlim changes)
{
    /// <summary>Lines a follower may fall behind by before lines are left out for it (and it is told how many).</summary>
    internal const int FollowBacklog = 10_000;

    private const int MaxBatch = 500;

    [JsonRpcMethod(ControlProtocol.Hello, UseSingleObjectParameterDeserialization = true)]
    public FormationInfo Hello(EmptyRequest? request = null) => Describe(formation);

    [JsonRpcMethod(ControlProtocol.Processes, UseSingleObjectParameterDeserialization = true)]
    public IReadOnlyList<FormationProcess> Processes(EmptyRequest? request = null) => formation.GetProcesses();

    [JsonRpcMethod(ControlProtocol.Environment, UseSingleObjectParameterDeserialization = true)]
    public IReadOnlyList<EnvironmentVariable> Environment(EnvironmentRequest request) =>
        Guard(() => formation.GetEnvironment(request.Process, request.ShowSecrets));

    [JsonRpcMethod(ControlProtocol.StartProcess, UseSingleObjectParameterDeserialization = true)]
    public Task<FormationProcess> StartProcessAsync(ProcessRequest request, CancellationToken cancellationToken) =>
        GuardAsync(() => Task.FromResult(formation.StartProcess(Required(request.Name))), cancellationToken);

    [JsonRpcMethod(ControlProtocol.StopProcess, UseSingleObjectParameterDeserialization = true)]
    public Task<FormationProcess> StopProcessAsync(ProcessRequest request, CancellationToken cancellationToken) =>
        GuardAsync(() => formation.StopProcessAsync(Required(request.Name), Seconds(request.TimeoutSeconds), cancellationToken), cancellationToken);

    [JsonRpcMethod(ControlProtocol.RestartProcess, UseSingleObjectParameterDeserialization = true)]
    public Task<FormationProcess> RestartProcessAsync(ProcessRequest request, CancellationToken cancellationToken) =>
        GuardAsync(() => formation.RestartProcessAsync(Required(request.Name), Seconds(request.TimeoutSeconds), cancellationToken), cancellationToken);

    [JsonRpcMethod(ControlProtocol.Scale, UseSingleObjectParameterDeserialization = true)]
    public Task<ScaleResult> ScaleAsync(ScaleRequest request, CancellationToken cancellationToken) =>
        GuardAsync(() => formation.ScaleAsync(Required(request.Type), request.Count, cancellationToken), cancellationToken);

    [JsonRpcMethod(ControlProtocol.Reload, UseSingleObjectParameterDeserialization = true)]
    public Task<ReloadPlan> ReloadAsync(ReloadRequest? request, CancellationToken cancellationToken) =>
        GuardAsync(() => formation.ReloadAsync(request?.DryRun == true, cancellationToken), cancellationToken);

    [JsonRpcMethod(ControlProtocol.Stop, UseSingleObjectParameterDeserialization = true)]
    public async Task<FormationOutcome> StopAsync(StopRequest? request = null)
    {
        try
        {
            return await formation.StopAsync(Seconds(request?.TimeoutSeconds), "stop requested through the control endpoint").ConfigureAwait(false);
        }
        catch (FormationException ex)
        {
            throw Error(ex);
        }
    }

    /// <summary>The tail of each named process's buffer, then (following) new lines in batches until the formation ends.</summary>
    [JsonRpcMethod(ControlProtocol.Logs, UseSingleObjectParameterDeserialization = true)]
    public IAsyncEnumerable<LogLine[]> Logs(LogRequest request, CancellationToken cancellationToken)
    {
        if (request.Tail is < 0) throw Error(new FormationException($"Invalid line count {request.Tail}: use 0 or more."));
        var names = request.Processes is { Count: > 0 } given ? given : null;
        if (names?.FirstOrDefault(n => !Matches(n)) is { } unknown)
            throw Error(new FormationException($"No process or type named '{unknown}' in formation '{formation.Name}'. Processes: {string.Join(", ", formation.GetProcesses().Select(p => p.Name))}."));
        return Stream(names, request.Tail, request.Follow, cancellationToken);
    }

    internal static FormationInfo Describe(ProcessFormation formation)
    {
        var scale = formation.Scale;
        return new FormationInfo(formation.Name, formation.Procfile, formation.WorkingDirectory, System.Environment.ProcessId,
            formation.StartTime, formation.State, formation.GetProcesses().Count, scale, ControlProtocol.Version, formation.BasePort);
    }

    private async IAsyncEnumerable<LogLine[]> Stream(IReadOnlyList<string>? names, int? tail, bool follow, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        bool Wanted(LogLine line) => names is null || names.Any(n => n == line.Process || n == line.Type);
        Channel<LogLine>? live = null;
        var dropped = 0;
        void OnOutput(object? sender, LogLine line)
        {
            if (Wanted(line) && !live!.Writer.TryWrite(line)) Interlocked.Increment(ref dropped);
        }
        if (follow)
        {
            live = Channel.CreateBounded<LogLine>(new BoundedChannelOptions(FollowBacklog) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
            // Subscribe before taking the tail, so no line falls between the two; lines in both are sent once.
            formation.Output += OnOutput;
            _ = formation.Completion.ContinueWith(_ => live.Writer.TryComplete(), TaskScheduler.Default);
        }
        try
        {
            var buffered = Tail(names, tail);
            foreach (var chunk in buffered.Chunk(MaxBatch)) yield return chunk;
            if (live is null) yield break;
            var seen = buffered.ToHashSet();
            var batch = new List<LogLine>(MaxBatch);
            while (await live.Reader.WaitToReadAsync(cancellationToken))
            {
                while (batch.Count < MaxBatch && live.Reader.TryRead(out var line))
                    if (!seen.Remove(line)) batch.Add(line);
                if (Interlocked.Exchange(ref dropped, 0) is > 0 and var n)
                    batch.Add(new LogLine(DateTimeOffset.Now, formation.Name, LogLine.SystemName, null, LogStream.System,
                        $"{n} lines were not sent to this reader: it fell more than {FollowBacklog} lines behind"));
                if (batch.Count == 0) continue;
                yield return batch.ToArray();
                batch.Clear();
            }
        }
        finally
        {
            if (live is not null) formation.Output -= OnOutput;
        }
    }

    /// <summary>The last <paramref name="tail"/> lines of each wanted process (all buffered lines when null), merged by time.</summary>
    private List<LogLine> Tail(IReadOnlyList<string>? names, int? tail)
    {
        if (tail == 0) return [];
        var sources = formation.GetProcesses()
            .Where(p => names is null || names.Contains(p.Name) || names.Contains(p.Type))
            .Select(p => p.Name).ToList();
        if (names is null || names.Contains(LogLine.SystemName)) sources.Add(LogLine.SystemName);
        return sources.SelectMany(s => formation.GetLog(s, tail)).OrderBy(l => l.Timestamp).ToList();
    }

    private bool Matches(string name) =>
        name == LogLine.SystemName || formation.GetProcesses().Any(p => p.Name == name || p.Type == name);

    private static string Required(string? value) =>
        string.IsNullOrEmpty(value) ? throw new LocalRpcException("A name is required.") { ErrorCode = (int)JsonRpcErrorCode.InvalidParams } : value;

    private static TimeSpan? Seconds(double? seconds) =>
        seconds switch
        {
            null => null,
            < 0 or double.NaN or > 86_400 * 365 => throw new LocalRpcException($"Invalid timeout {seconds}: use 0 seconds or more.") { ErrorCode = (int)JsonRpcErrorCode.InvalidParams },
            { } s => TimeSpan.FromSeconds(s),
        };

    private static T Guard<T>(Func<T> call)
    {
        try
        {
            return call();
        }
        catch (FormationException ex)
        {
            throw Error(ex);
        }
    }

    /// <summary>Runs a change once the changes before it are done; engine errors become JSON-RPC errors.</summary>
    private async Task<T> GuardAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        await changes.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (FormationException ex)
        {
            throw Error(ex);
        }
        finally
        {
            changes.Release();
        }
    }

    private static LocalRpcException Error(FormationException ex) =>
        new(ex.Message) { ErrorCode = ex is FormationConfigException ? ControlProtocol.ConfigErrorCode : ControlProtocol.FormationErrorCode };
}
