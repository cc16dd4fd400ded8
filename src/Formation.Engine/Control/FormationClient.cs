using System.Globalization;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading.Channels;
using Formation.Engine.Configuration;
using Formation.Engine.Output;
using Formation.Engine.Supervision;
using static Formation.Engine.Control.ControlProtocol;

namespace Formation.Engine.Control;

/// <summary>
/// A connection to a running formation's control endpoint, from any process of the same user. Each method
/// is one request; engine errors come back as the same exception types the local API throws
/// (<see cref="FormationException"/>, <see cref="FormationConfigException"/>). No call can hang: the owner
/// must answer within <see cref="AnswerTimeout"/> (a change under way says so every second), else the call
/// fails with <see cref="FormationNotAnsweringException"/>; an owner that ends mid-call fails it with
/// <see cref="FormationOwnerLostException"/>. A follow (<see cref="GetLogAsync"/>) and <see cref="WaitAsync"/>
/// wait as long as the formation runs; the owner says every second that they are under way, so they too fail
/// within <see cref="AnswerTimeout"/> when it stops answering (stopped with SIGSTOP, or hung).
/// </summary>
public sealed class FormationClient : IAsyncDisposable, IDisposable
{
    /// <summary>The longest the owner may stay silent about a request.</summary>
    public static TimeSpan AnswerTimeout { get; internal set; } = TimeSpan.FromSeconds(5);

    private const int MaxReplyBytes = 64 << 20;

    private readonly LineSocket _line;
    private readonly string _label;
    private readonly object _gate = new();
    private readonly Dictionary<long, Channel<JsonDocument>> _calls = [];
    private readonly Task _reading;
    private long _lastId;
    private bool _closed;
    private string? _refusal;

    private FormationClient(Socket socket, string socketPath, string label, int ownerProcessId)
    {
        _line = new LineSocket(socket);
        SocketPath = socketPath;
        _label = label;
        OwnerProcessId = ownerProcessId;
        Info = null!;
        _reading = ReadAsync();
    }

    /// <summary>The formation as it was when the connection was made.</summary>
    public FormationInfo Info { get; private set; }

    public string SocketPath { get; }

    /// <summary>The pid of the process that serves the endpoint (SO_PEERCRED).</summary>
    public int OwnerProcessId { get; }

    /// <summary>Connects to the running formation of that name.</summary>
    /// <exception cref="FormationException">No formation of that name is running (or its owner died), or it does not answer.</exception>
    public static Task<FormationClient> ConnectAsync(string name, string? directory = null, CancellationToken cancellationToken = default) =>
        ConnectPathAsync(ControlDirectory.SocketPath(name, directory), name, cancellationToken);

    /// <summary>Connects to the endpoint at a socket path (from <see cref="ControlDirectory.Sockets"/>).</summary>
    /// <exception cref="FormationException">Nothing answers there, or the endpoint is not this user's.</exception>
    public static async Task<FormationClient> ConnectPathAsync(string socketPath, string? name = null, CancellationToken cancellationToken = default)
    {
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("Formation's control endpoint is built for Linux.");
        var label = name ?? Path.GetFileNameWithoutExtension(socketPath);
        Socket socket;
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(AnswerTimeout);
            socket = await ConnectSocketAsync(socketPath, deadline.Token).ConfigureAwait(false);
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.AddressNotAvailable or SocketError.ConnectionRefused)
        {
            throw new FormationNotRunningException(name is null ? $"No formation at '{socketPath}' is running." : $"No formation named '{name}' is running.", socketPath);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw NotAnswering(label, NameLock.OwnerOf(socketPath));
        }
        catch (SocketException ex)
        {
            throw new FormationException($"Cannot reach the formation {(name is null ? $"at '{socketPath}'" : $"named '{name}'")}: {ex.Message}.");
        }
        // The server must be this user's too: a socket is never trusted for being where we expected it.
        var (pid, uid) = PeerCredentials.Of(socket);
        if (uid != PeerCredentials.CurrentUid && uid != 0)
        {
            socket.Dispose();
            throw new FormationException($"The endpoint '{socketPath}' belongs to another user; refusing to use it.");
        }
        var client = new FormationClient(socket, socketPath, label, pid);
        try
        {
            client.Info = await client.CallAsync(Hello, new EmptyRequest(), TypeInfo<EmptyRequest>(), TypeInfo<FormationInfo>(), cancellationToken).ConfigureAwait(false);
            if (client.Info.Protocol != ControlProtocol.Version)
                throw new FormationException($"The formation '{client.Info.Name}' speaks control protocol {client.Info.Protocol}; this client speaks {ControlProtocol.Version}. Use the same version of Formation.");
            return client;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Connects; a full listen queue (EAGAIN: the owner is not accepting, or is swamped) is tried again every
    /// few milliseconds until <paramref name="deadline"/>, like a blocking connect would wait.
    /// </summary>
    private static async Task<Socket> ConnectSocketAsync(string socketPath, CancellationToken deadline)
    {
        var pause = TimeSpan.FromMilliseconds(5);
        while (true)
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), deadline).ConfigureAwait(false);
                return socket;
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.WouldBlock)
            {
                socket.Dispose();
            }
            catch
            {
                socket.Dispose();
                throw;
            }
            await Task.Delay(pause, deadline).ConfigureAwait(false);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromMilliseconds(200).Ticks));
        }
    }

    /// <summary>A fresh description of the formation.</summary>
    public Task<FormationInfo> GetInfoAsync(CancellationToken cancellationToken = default) =>
        CallAsync(Hello, new EmptyRequest(), TypeInfo<EmptyRequest>(), TypeInfo<FormationInfo>(), cancellationToken);

    /// <summary>Snapshots of every instance, in Procfile order then by index.</summary>
    public Task<FormationProcess[]> GetProcessesAsync(CancellationToken cancellationToken = default) =>
        CallAsync(Processes, new EmptyRequest(), TypeInfo<EmptyRequest>(), TypeInfo<FormationProcess[]>(), cancellationToken);

    /// <summary>The environment of one process, or the shared one for null; secret-looking names masked unless asked.</summary>
    public Task<EnvironmentVariable[]> GetEnvironmentAsync(string? process = null, bool showSecrets = false, CancellationToken cancellationToken = default) =>
        CallAsync(ControlProtocol.Environment, new EnvironmentRequest(process, showSecrets), TypeInfo<EnvironmentRequest>(), TypeInfo<EnvironmentVariable[]>(), cancellationToken);

    /// <summary>Starts an instance that is not running.</summary>
    public Task<FormationProcess> StartProcessAsync(string name, CancellationToken cancellationToken = default) =>
        CallAsync(StartProcess, new ProcessRequest(name), TypeInfo<ProcessRequest>(), TypeInfo<FormationProcess>(), cancellationToken);

    /// <summary>Stops one instance and does not restart it.</summary>
    public Task<FormationProcess> StopProcessAsync(string name, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        CallAsync(StopProcess, new ProcessRequest(name, timeout?.TotalSeconds), TypeInfo<ProcessRequest>(), TypeInfo<FormationProcess>(), cancellationToken);

    /// <summary>Restarts one instance; completes when the new run is ready, as the local restart does.</summary>
    public Task<FormationProcess> RestartProcessAsync(string name, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        CallAsync(RestartProcess, new ProcessRequest(name, timeout?.TotalSeconds), TypeInfo<ProcessRequest>(), TypeInfo<FormationProcess>(), cancellationToken);

    /// <summary>Sets the count of a type: new instances get the next indexes and ports; the highest indexes stop first.</summary>
    public Task<ScaleResult> ScaleAsync(string type, int count, CancellationToken cancellationToken = default) =>
        CallAsync(ControlProtocol.Scale, new ScaleRequest(type, count), TypeInfo<ScaleRequest>(), TypeInfo<ScaleResult>(), cancellationToken);

    /// <summary>
    /// Re-reads the formation's Procfile, formation.yml and .env files in its own process and applies the difference
    /// (see <see cref="ProcessFormation.ReloadAsync"/>); with <paramref name="dryRun"/>, only the plan.
    /// </summary>
    public Task<ReloadPlan> ReloadAsync(bool dryRun = false, CancellationToken cancellationToken = default) =>
        CallAsync(Reload, new ReloadRequest(dryRun), TypeInfo<ReloadRequest>(), TypeInfo<ReloadPlan>(), cancellationToken);

    /// <summary>Stops the formation; completes with how it ended once every process is gone.</summary>
    public Task<FormationOutcome> StopAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        CallAsync(Stop, new StopRequest(timeout?.TotalSeconds), TypeInfo<StopRequest>(), TypeInfo<FormationOutcome>(), cancellationToken);

    /// <summary>Completes with how the formation ended, once it has (at once if it already has).</summary>
    public async Task<FormationOutcome> WaitAsync(CancellationToken cancellationToken = default)
    {
        await foreach (var message in ExchangeAsync(Wait, new EmptyRequest(), TypeInfo<EmptyRequest>(), cancellationToken).ConfigureAwait(false))
        {
            using (message)
                if (!IsNotification(message)) return Result(message, TypeInfo<FormationOutcome>(), Wait);
        }
        throw Lost();
    }

    /// <summary>
    /// The last <paramref name="tail"/> buffered lines of each named process (instances, types or <c>system</c>;
    /// all when none), merged by time; then, with <paramref name="follow"/>, every new line until the formation ends.
    /// </summary>
    public async IAsyncEnumerable<LogLine> GetLogAsync(IReadOnlyList<string>? processes = null, int? tail = null, bool follow = false,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = new LogRequest(processes, tail, follow);
        await foreach (var message in ExchangeAsync(Logs, request, TypeInfo<LogRequest>(), cancellationToken).ConfigureAwait(false))
        {
            using (message)
            {
                if (!IsNotification(message))
                {
                    Result(message, TypeInfo<LogEnd>(), Logs);
                    yield break;
                }
                if (!message.RootElement.GetProperty("params").TryGetProperty("Lines", out var lines)) continue;
                foreach (var line in lines.Deserialize(TypeInfo<LogLine[]>()) ?? []) yield return line;
            }
        }
    }

    private async Task<TResult> CallAsync<TRequest, TResult>(string method, TRequest request, JsonTypeInfo<TRequest> requestInfo, JsonTypeInfo<TResult> resultInfo, CancellationToken cancellationToken)
    {
        await foreach (var message in ExchangeAsync(method, request, requestInfo, cancellationToken).ConfigureAwait(false))
        {
            using (message)
                if (!IsNotification(message)) return Result(message, resultInfo, method);
        }
        throw Lost();
    }

    /// <summary>
    /// Sends one request and yields what comes back about it (notifications, then the reply), each within
    /// <see cref="AnswerTimeout"/> of the one before (a wait and a follow too: the owner says every heartbeat that
    /// they are under way). "Working" notifications only extend the deadline.
    /// </summary>
    private async IAsyncEnumerable<JsonDocument> ExchangeAsync<TRequest>(string method, TRequest request, JsonTypeInfo<TRequest> info,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _lastId);
        var replies = Channel.CreateUnbounded<JsonDocument>(new UnboundedChannelOptions { SingleReader = true });
        lock (_gate)
        {
            if (_closed) throw Closed();
            _calls[id] = replies;
        }
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(AnswerTimeout);
        var answered = false;
        try
        {
            await SendAsync(JsonRpcFormat.Request(id, method, request, info), deadline.Token, cancellationToken).ConfigureAwait(false);
            while (true)
            {
                var message = await NextAsync(replies, deadline.Token, cancellationToken).ConfigureAwait(false);
                // Open-ended or not, the owner speaks at least every heartbeat (a second): silence is a hang.
                deadline.CancelAfter(AnswerTimeout);
                if (IsNotification(message, WorkingNotification))
                {
                    message.Dispose();
                    continue;
                }
                answered = !IsNotification(message);
                yield return message;
                if (answered) yield break;
            }
        }
        finally
        {
            lock (_gate) _calls.Remove(id);
            if (!answered && cancellationToken.IsCancellationRequested) _ = CancelRemoteAsync(id);
        }
    }

    private async ValueTask<JsonDocument> NextAsync(Channel<JsonDocument> replies, CancellationToken deadline, CancellationToken cancellationToken)
    {
        try
        {
            return await replies.Reader.ReadAsync(deadline).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw NotAnswering(Info?.Name ?? _label, OwnerProcessId);
        }
        catch (ChannelClosedException)
        {
            lock (_gate) throw _refusal is { } refusal ? new FormationException(refusal) : Lost();
        }
    }

    private async Task SendAsync(byte[] message, CancellationToken deadline, CancellationToken cancellationToken)
    {
        try
        {
            await _line.SendAsync(message, deadline).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw NotAnswering(Info?.Name ?? _label, OwnerProcessId);
        }
        catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException)
        {
            // The endpoint closed the connection: what it said first (that it is busy) is the reason, if it said anything.
            await _reading.WaitAsync(AnswerTimeout).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            lock (_gate) throw _refusal is { } refusal ? new FormationException(refusal) : Lost();
        }
    }

    /// <summary>Tells the endpoint that the caller gave up a request (best effort).</summary>
    private async Task CancelRemoteAsync(long id)
    {
        try
        {
            using var timeout = new CancellationTokenSource(AnswerTimeout);
            await _line.SendAsync(JsonRpcFormat.Notification(CancelRequest, $"{{\"id\":{id.ToString(CultureInfo.InvariantCulture)}}}"), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }

    /// <summary>Hands each message to the request it is about, until the connection closes; then every open request has lost its answer.</summary>
    private async Task ReadAsync()
    {
        try
        {
            while (true)
            {
                var (status, line) = await _line.ReadLineAsync(MaxReplyBytes, CancellationToken.None).ConfigureAwait(false);
                if (status != LineSocket.Read.Line) break;
                Route(line.Span);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
        finally
        {
            lock (_gate)
            {
                _closed = true;
                foreach (var call in _calls.Values) call.Writer.TryComplete();
            }
        }
    }

    private void Route(ReadOnlySpan<byte> line)
    {
        JsonDocument message;
        try
        {
            var reader = new Utf8JsonReader(line);
            message = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException)
        {
            return; // not ours to judge: the endpoint is this user's own process
        }
        var root = message.RootElement;
        var about = root.ValueKind != JsonValueKind.Object ? null
            : root.TryGetProperty("method", out _) ? (root.TryGetProperty("params", out var p) && p.ValueKind == JsonValueKind.Object && p.TryGetProperty("Request", out var r) ? r : (JsonElement?)null)
            : root.TryGetProperty("id", out var i) ? i : null;
        lock (_gate)
        {
            if (about is { ValueKind: JsonValueKind.Number } n && n.TryGetInt64(out var id) && _calls.TryGetValue(id, out var call))
            {
                call.Writer.TryWrite(message);
                return;
            }
            // An error about no request in particular (the endpoint is busy): it answers every request of this connection.
            if (about is { ValueKind: JsonValueKind.Null } && root.TryGetProperty("error", out var error) && error.TryGetProperty("message", out var text))
                _refusal = text.GetString();
        }
        message.Dispose();
    }

    private static bool IsNotification(JsonDocument message, string? method = null) =>
        message.RootElement.TryGetProperty("method", out var m) && (method is null || m.ValueEquals(method));

    private TResult Result<TResult>(JsonDocument reply, JsonTypeInfo<TResult> info, string method)
    {
        var root = reply.RootElement;
        if (!root.TryGetProperty("error", out var error))
            return root.TryGetProperty("result", out var result) ? result.Deserialize(info)! : throw new FormationException($"The endpoint '{SocketPath}' answered '{method}' without a result.");
        var code = error.TryGetProperty("code", out var c) && c.TryGetInt32(out var number) ? number : InternalError;
        var text = error.TryGetProperty("message", out var m) ? m.GetString() ?? "" : "";
        throw code switch
        {
            ConfigErrorCode => new FormationConfigException(new ConfigError(null, 0, text)),
            MethodNotFound => new FormationException($"The endpoint '{SocketPath}' does not serve '{method}': it runs another version of Formation."),
            RequestCancelled => new OperationCanceledException(text),
            _ => new FormationException(text),
        };
    }

    private static FormationNotAnsweringException NotAnswering(string name, int? pid) =>
        new($"Formation '{name}'{(pid is { } p ? $" (pid {p})" : "")} did not answer within {Duration.Format(AnswerTimeout)}.");

    /// <summary>Why a request cannot even be sent: the endpoint closed this connection before (busy, out of descriptors, idle too long).</summary>
    private FormationException Closed() =>
        _refusal is { } refusal ? new FormationException(refusal)
        : Info is null ? new FormationException($"Formation '{_label}' (pid {OwnerProcessId}) closed the connection without answering.")
        : new FormationException($"The connection to formation '{Info.Name}' was closed (idle too long, or the formation ended); connect again.");

    private FormationOwnerLostException Lost() =>
        new($"Formation '{Info?.Name ?? _label}' is gone: its owner (pid {OwnerProcessId}) ended without stopping it.");

    public async ValueTask DisposeAsync()
    {
        _line.Dispose();
        await _reading.ConfigureAwait(false);
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
