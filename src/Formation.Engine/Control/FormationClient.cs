using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Formation.Engine.Configuration;
using Formation.Engine.Output;
using Formation.Engine.Supervision;
using StreamJsonRpc;

namespace Formation.Engine.Control;

/// <summary>
/// A connection to a running formation's control endpoint, from any process of the same user. Each method
/// is one request; engine errors come back as the same exception types the local API throws
/// (<see cref="FormationException"/>, <see cref="FormationConfigException"/>).
/// </summary>
public sealed class FormationClient : IAsyncDisposable, IDisposable
{
    private readonly Socket _socket;
    private readonly JsonRpc _rpc;

    private FormationClient(Socket socket, JsonRpc rpc, string socketPath)
    {
        _socket = socket;
        _rpc = rpc;
        SocketPath = socketPath;
        Info = null!;
    }

    /// <summary>The formation as it was when the connection was made.</summary>
    public FormationInfo Info { get; private set; }

    public string SocketPath { get; }

    /// <summary>Connects to the running formation of that name.</summary>
    /// <exception cref="FormationException">No formation of that name is running (or its owner died).</exception>
    public static Task<FormationClient> ConnectAsync(string name, string? directory = null, CancellationToken cancellationToken = default) =>
        ConnectPathAsync(ControlDirectory.SocketPath(name, directory), name, cancellationToken);

    /// <summary>Connects to the endpoint at a socket path (from <see cref="ControlDirectory.Sockets"/>).</summary>
    /// <exception cref="FormationException">Nothing answers there, or the endpoint is not this user's.</exception>
    public static async Task<FormationClient> ConnectPathAsync(string socketPath, string? name = null, CancellationToken cancellationToken = default)
    {
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("Formation's control endpoint is built for Linux.");
        var what = name is null ? $"at '{socketPath}'" : $"named '{name}'";
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.AddressNotAvailable or SocketError.ConnectionRefused)
        {
            socket.Dispose();
            throw new FormationNotRunningException($"No formation {what} is running.", socketPath);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new FormationException($"Cannot reach the formation {what}: {ex.Message}.");
        }
        // The server must be this user's too: a socket is never trusted for being where we expected it.
        if (!PeerCredentials.IsTrusted(socket))
        {
            socket.Dispose();
            throw new FormationException($"The endpoint '{socketPath}' belongs to another user; refusing to use it.");
        }
        var stream = new NetworkStream(socket, ownsSocket: false);
        var rpc = new JsonRpc(new NewLineDelimitedMessageHandler(stream, stream, ControlProtocol.CreateFormatter()));
        rpc.StartListening();
        var client = new FormationClient(socket, rpc, socketPath);
        try
        {
            client.Info = await client.CallAsync<FormationInfo>(ControlProtocol.Hello, new EmptyRequest(), cancellationToken).ConfigureAwait(false);
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

    /// <summary>A fresh description of the formation.</summary>
    public Task<FormationInfo> GetInfoAsync(CancellationToken cancellationToken = default) =>
        CallAsync<FormationInfo>(ControlProtocol.Hello, new EmptyRequest(), cancellationToken);

    /// <summary>Snapshots of every instance, in Procfile order then by index.</summary>
    public Task<FormationProcess[]> GetProcessesAsync(CancellationToken cancellationToken = default) =>
        CallAsync<FormationProcess[]>(ControlProtocol.Processes, new EmptyRequest(), cancellationToken);

    /// <summary>The environment of one process, or the shared one for null; secret-looking names masked unless asked.</summary>
    public Task<EnvironmentVariable[]> GetEnvironmentAsync(string? process = null, bool showSecrets = false, CancellationToken cancellationToken = default) =>
        CallAsync<EnvironmentVariable[]>(ControlProtocol.Environment, new EnvironmentRequest(process, showSecrets), cancellationToken);

    /// <summary>Starts an instance that is not running.</summary>
    public Task<FormationProcess> StartProcessAsync(string name, CancellationToken cancellationToken = default) =>
        CallAsync<FormationProcess>(ControlProtocol.StartProcess, new ProcessRequest(name), cancellationToken);

    /// <summary>Stops one instance and does not restart it.</summary>
    public Task<FormationProcess> StopProcessAsync(string name, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        CallAsync<FormationProcess>(ControlProtocol.StopProcess, new ProcessRequest(name, timeout?.TotalSeconds), cancellationToken);

    /// <summary>Restarts one instance; completes when the new run is ready, as the local restart does.</summary>
    public Task<FormationProcess> RestartProcessAsync(string name, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        CallAsync<FormationProcess>(ControlProtocol.RestartProcess, new ProcessRequest(name, timeout?.TotalSeconds), cancellationToken);

    /// <summary>Sets the count of a type: new instances get the next indexes and ports; the highest indexes stop first.</summary>
    public Task<ScaleResult> ScaleAsync(string type, int count, CancellationToken cancellationToken = default) =>
        CallAsync<ScaleResult>(ControlProtocol.Scale, new ScaleRequest(type, count), cancellationToken);

    /// <summary>
    /// Re-reads the formation's Procfile, formation.yml and .env files in its own process and applies the difference
    /// (see <see cref="ProcessFormation.ReloadAsync"/>); with <paramref name="dryRun"/>, only the plan.
    /// </summary>
    public Task<ReloadPlan> ReloadAsync(bool dryRun = false, CancellationToken cancellationToken = default) =>
        CallAsync<ReloadPlan>(ControlProtocol.Reload, new ReloadRequest(dryRun), cancellationToken);

    /// <summary>Stops the formation; completes with its result once every process is gone.</summary>
    public Task<FormationOutcome> StopAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        CallAsync<FormationOutcome>(ControlProtocol.Stop, new StopRequest(timeout?.TotalSeconds), cancellationToken);

    /// <summary>
    /// The last <paramref name="tail"/> buffered lines of each named process (instances, types or <c>system</c>;
    /// all when none), merged by time; then, with <paramref name="follow"/>, every new line until the formation ends.
    /// </summary>
    public async IAsyncEnumerable<LogLine> GetLogAsync(IReadOnlyList<string>? processes = null, int? tail = null, bool follow = false,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var batches = await CallAsync<IAsyncEnumerable<LogLine[]>>(ControlProtocol.Logs, new LogRequest(processes, tail, follow), cancellationToken).ConfigureAwait(false);
        await using var enumerator = batches.GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            LogLine[] batch;
            try
            {
                if (!await enumerator.MoveNextAsync().ConfigureAwait(false)) yield break;
                batch = enumerator.Current;
            }
            catch (Exception ex) when (ex is ConnectionLostException or ObjectDisposedException)
            {
                throw Lost(ex);
            }
            foreach (var line in batch) yield return line;
        }
    }

    private async Task<T> CallAsync<T>(string method, object request, CancellationToken cancellationToken)
    {
        try
        {
#pragma warning disable IL2026 // StreamJsonRpc serializes by reflection: see ControlProtocol.CreateFormatter.
            return await _rpc.InvokeWithParameterObjectAsync<T>(method, request, cancellationToken).ConfigureAwait(false);
#pragma warning restore IL2026
        }
        catch (RemoteInvocationException ex) when (ex.ErrorCode == ControlProtocol.ConfigErrorCode)
        {
            throw new FormationConfigException(new ConfigError(null, 0, ex.Message));
        }
        catch (RemoteInvocationException ex)
        {
            throw new FormationException(ex.Message);
        }
        catch (RemoteMethodNotFoundException)
        {
            throw new FormationException($"The endpoint '{SocketPath}' does not serve '{method}': it runs another version of Formation, or a build without the control protocol.");
        }
        catch (RemoteRpcException ex)
        {
            throw new FormationException($"The endpoint '{SocketPath}' failed the request '{method}': {ex.Message}");
        }
        catch (Exception ex) when (ex is ConnectionLostException or ObjectDisposedException)
        {
            throw Lost(ex);
        }
    }

    private FormationException Lost(Exception ex) =>
        new($"The connection to formation '{Info?.Name ?? SocketPath}' was lost: its host ended.", ex);

    public async ValueTask DisposeAsync()
    {
        _rpc.Dispose();
        await _rpc.Completion.ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        _socket.Dispose();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}

/// <summary>No formation answers at an endpoint: none was ever there, or its owner died (a stale socket).</summary>
public sealed class FormationNotRunningException(string message, string socketPath) : FormationException(message)
{
    public string SocketPath { get; } = socketPath;
}

