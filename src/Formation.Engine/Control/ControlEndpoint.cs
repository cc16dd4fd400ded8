using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;
using Formation.Engine.Os;
using Formation.Engine.Supervision;

namespace Formation.Engine.Control;

/// <summary>How many connections an endpoint serves, and when it gives up on a silent one.</summary>
/// <param name="MaxConnections">Connections served at once; at the bound the longest-idle one makes room, and with none idle the newcomer gets a busy error.</param>
/// <param name="IdleTimeout">A connection with no request under way is closed after this long.</param>
/// <param name="Heartbeat">How often a client hears that its change is still under way.</param>
internal sealed record ControlLimits(int MaxConnections, TimeSpan IdleTimeout, TimeSpan Heartbeat)
{
    public static ControlLimits Default { get; } = new(128, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1));
}

/// <summary>
/// A running formation's control endpoint: a Unix domain socket (0600) in the user's
/// <see cref="ControlDirectory"/>, serving <see cref="ControlProtocol"/> to this user and root only
/// (SO_PEERCRED, checked on every connection). Never TCP. The host opens it when the formation starts;
/// it closes itself, and removes its socket, when the formation ends.
/// </summary>
/// <remarks>
/// <para>Connections have a budget of their own: at most <see cref="ControlLimits.MaxConnections"/>, and none
/// that would take one of the last <see cref="FileDescriptors.Reserve"/> + <see cref="DescriptorHeadroom"/>
/// file descriptors, which supervision keeps for restarts, probes and stopping. When the process is out of
/// descriptors all the same (EMFILE), a spare one kept for the purpose accepts the waiting client to tell it
/// so; other accept failures are tried again after a pause that grows to a second. The endpoint never stops
/// accepting while the formation runs.</para>
/// <para>Windows (designed, not built): the same contract as a named pipe <c>\\.\pipe\formation-SID-NAME</c>
/// created with <c>NamedPipeServerStreamAcl.Create</c> and a <c>PipeSecurity</c> that grants only the current
/// user's SID (and SYSTEM), <c>PipeOptions.CurrentUserOnly</c> on both ends, <c>FirstPipeInstance</c> on the
/// first instance as the name claim, and the same JSON-RPC lines over the pipe stream. <see cref="Open(ProcessFormation, string?)"/>
/// throws <see cref="PlatformNotSupportedException"/> there today.</para>
/// </remarks>
public sealed class ControlEndpoint : IAsyncDisposable
{
    /// <summary>Descriptors kept free for supervision beyond its reserve (a restart's pipes while the old ones drain).</summary>
    internal const int DescriptorHeadroom = 16;

    /// <summary>Connections the kernel queues until they are accepted (they cost no descriptor of ours until then).</summary>
    private const int Backlog = 512;

    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan IdleGrace = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(1);
    private static readonly Timer WarmUp = new(_ => { });

    /// <summary>
    /// The replies to a client that is not served, made before they are needed: with no descriptor left, a
    /// JIT-compiled host cannot even load the JSON writer's assembly (and the runtime remembers that failure).
    /// </summary>
    private static readonly byte[] OutOfDescriptors = JsonRpcFormat.ErrorWithoutWriter(ControlProtocol.BusyErrorCode,
        "The formation's owner is out of file descriptors and cannot serve another connection now. Raise its limit (ulimit -n), or run fewer instances.");

    private static readonly byte[] NoDescriptorToSpare = JsonRpcFormat.ErrorWithoutWriter(ControlProtocol.BusyErrorCode,
        $"The formation's owner has no file descriptor to spare for another connection (the last {FileDescriptors.Reserve + DescriptorHeadroom} of its limit " +
        "are kept for supervision). Close other connections, or raise its limit (ulimit -n).");

    private readonly byte[] _tooManyConnections;
    private readonly byte[] _evicted;

    private readonly ControlService _service;
    private readonly ControlLimits _limits;
    private readonly NameLock _lock;
    private readonly Socket _listener;
    private readonly CancellationTokenSource _closing = new();
    private readonly object _gate = new();
    private readonly Dictionary<ControlConnection, Task> _connections = [];
    private readonly Task _acceptLoop;
    private SafeFileHandle? _spare;
    private volatile bool _stopping;
    private Task? _disposeTask;

    private ControlEndpoint(ProcessFormation formation, ControlLimits limits, string socketPath, NameLock nameLock, Socket listener)
    {
        _service = new ControlService(formation);
        _limits = limits;
        _evicted = JsonRpcFormat.ErrorWithoutWriter(ControlProtocol.BusyErrorCode,
            $"The endpoint closed this idle connection to make room for another (it serves {limits.MaxConnections} at most); connect again.");
        _tooManyConnections = JsonRpcFormat.ErrorWithoutWriter(ControlProtocol.BusyErrorCode,
            $"The endpoint serves {limits.MaxConnections} connections and none of them is idle; try again when one ends.");
        SocketPath = socketPath;
        _lock = nameLock;
        _listener = listener;
        // Off the start's path: the listening socket already queues clients; they are served once the formation's start
        // has judged its descriptors (serving opens some: the spare, the socket engine's), so that judgment is the same every time.
        _acceptLoop = formation.Begun.WaitAsync(_closing.Token)
            .ContinueWith(begun => begun.IsCompletedSuccessfully ? AcceptLoopAsync() : Task.CompletedTask, TaskScheduler.Default).Unwrap();
        _ = formation.Completion.ContinueWith(_ => DisposeAsync().AsTask(), TaskScheduler.Default);
    }

    /// <summary>Full path of the socket.</summary>
    public string SocketPath { get; }

    /// <summary>
    /// Opens the endpoint of a formation, before or after it starts. Call it before <see cref="ProcessFormation.Start"/>
    /// to make the name's uniqueness part of the start: a name already running anywhere for this user is refused.
    /// It costs a few system calls (a stat, the lock file, a bind and listen: well under a millisecond in the
    /// native build); the serving starts on the thread pool, and the protocol's code first runs when a client
    /// connects, so nothing of it sits before the formation's first spawn.
    /// </summary>
    /// <param name="formation">The formation to serve.</param>
    /// <param name="directory">The control directory; <see cref="ControlDirectory.DefaultPath"/> when null.</param>
    /// <exception cref="FormationNameTakenException">A live formation of that name owns the endpoint.</exception>
    /// <exception cref="FormationException">The directory is not private, or holds what others put there.</exception>
    /// <exception cref="PlatformNotSupportedException">Not on Linux (see the remarks for the Windows design).</exception>
    public static ControlEndpoint Open(ProcessFormation formation, string? directory = null) => Open(formation, directory, ControlLimits.Default);

    internal static ControlEndpoint Open(ProcessFormation formation, string? directory, ControlLimits limits)
    {
        if (!OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException("Formation's control endpoint is built for Linux (a Unix domain socket checked with SO_PEERCRED); the Windows named-pipe endpoint is designed but not built.");
        var dir = ControlDirectory.Ensure(directory);
        var socketPath = ControlDirectory.SocketPath(formation.Name, dir);
        var nameLock = NameLock.Claim(formation.Name, ControlDirectory.LockPath(socketPath));
        Socket? listener = null;
        try
        {
            // We hold the name's lock, so a socket left here belongs to a dead owner: replace it (unlink never follows a link).
            File.Delete(socketPath);
            listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(socketPath));
            listener.Blocking = false; // for the one synchronous accept (see ShedWaiting); the others are asynchronous
            // The directory is private (no one else can swap the path between bind and chmod).
            File.SetUnixFileMode(socketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            listener.Listen(Backlog);
            return new ControlEndpoint(formation, limits, socketPath, nameLock, listener);
        }
        catch
        {
            listener?.Dispose();
            nameLock.Dispose();
            throw;
        }
    }

    /// <summary>Connections open now (for tests and diagnostics).</summary>
    internal int ConnectionCount
    {
        get
        {
            lock (_gate) return _connections.Count;
        }
    }

    private async Task AcceptLoopAsync()
    {
        _spare = OpenSpare();
        // The runtime starts its timer thread at the first timer, and cannot start a thread once descriptors run
        // out (OutOfMemoryException); the idle timeouts and the accept's pause need it, so it starts now.
        WarmUp.Change(TimeSpan.FromDays(1), Timeout.InfiniteTimeSpan);
        var backoff = TimeSpan.Zero;
        while (!_stopping)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_closing.Token).ConfigureAwait(false);
                backoff = TimeSpan.Zero;
                // A spare lost to an EMFILE episode (another thread took the slot it freed) is taken back once there is room.
                _spare ??= OpenSpare();
            }
            catch (Exception ex)
            {
                if (_stopping) return;
                // Out of descriptors (EMFILE: the kernel says so before it looks for a client), or anything else the
                // accept meets (out of memory, an assembly a JIT-compiled host cannot load without a descriptor): a
                // client that waits is told so on the spare descriptor; then try again shortly, and never stop trying.
                if (ex is SocketException { SocketErrorCode: SocketError.TooManyOpenSockets }) ShedWaiting();
                backoff = backoff == TimeSpan.Zero ? TimeSpan.FromMilliseconds(50) : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
                if (!await PauseAsync(backoff).ConfigureAwait(false)) return;
                continue;
            }
            try
            {
                Admit(client);
            }
            catch (Exception)
            {
                // Whatever one connection meets (a runtime that cannot start a thread without a descriptor), the loop goes on.
                client.Dispose();
            }
        }
    }

    /// <summary>
    /// With no descriptor left, gives up the spare one so that a client already waiting can be accepted and told
    /// why it is not served (without waiting: none may be there), then takes the spare back.
    /// </summary>
    private void ShedWaiting()
    {
        if (Interlocked.Exchange(ref _spare, null) is not { } spare) return;
        spare.Dispose();
        try
        {
            using var client = _listener.Accept(); // the listener does not block: EAGAIN when nobody waits
            Shed(client, OutOfDescriptors);
        }
        catch (Exception)
        {
            // Nobody waits, or the reply could not be written: either way the loop goes on.
        }
        _spare = OpenSpare();
    }

    /// <summary>Waits before the next accept; false when the endpoint closes meanwhile.</summary>
    private async Task<bool> PauseAsync(TimeSpan pause)
    {
        try
        {
            await Task.Delay(pause, _closing.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (Exception)
        {
            Thread.Sleep(pause); // the runtime could not schedule a timer (it starts a thread for its first one, which takes a descriptor)
        }
        return !_stopping;
    }

    /// <summary>A descriptor held in reserve for one accept when the process has none left (libuv and nginx keep one the same way).</summary>
    private static SafeFileHandle? OpenSpare()
    {
        try
        {
            return File.OpenHandle("/dev/null", FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Serves a new connection within the budget: the longest-idle one makes room, or the newcomer is told the endpoint is busy.</summary>
    private void Admit(Socket client)
    {
        try
        {
            if (!PeerCredentials.IsTrusted(client))
            {
                client.Dispose(); // another user: not a byte read or written
                return;
            }
        }
        catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException)
        {
            client.Dispose();
            return;
        }
        var reason = Crowded(client);
        ControlConnection? connection = null, evicted = null;
        lock (_gate)
        {
            if (reason is not null && _connections.Keys.Where(c => c.IsIdle).MinBy(c => c.LastActive) is { } oldest)
            {
                evicted = oldest;
                _connections.Remove(oldest); // counted out now, so the next newcomer picks another
            }
            if (reason is null || evicted is not null)
            {
                connection = new ControlConnection(client, _service, _limits);
                _connections[connection] = Task.CompletedTask;
            }
        }
        // Told why before it is closed: its client may have sent a request not read yet, and must not take the
        // closed connection for an owner that ended.
        if (evicted is not null) _ = evicted.EvictAsync(_evicted);
        if (connection is null)
        {
            Shed(client, reason!);
            return;
        }
        var served = connection.RunAsync(_closing.Token);
        lock (_gate)
        {
            if (_connections.ContainsKey(connection)) _connections[connection] = served;
        }
        _ = served.ContinueWith(_ =>
        {
            lock (_gate) _connections.Remove(connection);
        }, TaskScheduler.Default);
    }

    /// <summary>The refusal for one more connection beyond the budget, or null when it fits.</summary>
    private byte[]? Crowded(Socket client)
    {
        lock (_gate)
        {
            if (_connections.Count >= _limits.MaxConnections) return _tooManyConnections;
        }
        if (FileDescriptors.Limit() is not { } limit) return null;
        var budget = limit.Soft - FileDescriptors.Reserve - DescriptorHeadroom;
        // Descriptors are numbered lowest first, so a high one means the budget is spent; a low one may only fill a
        // hole another connection left, so then they are counted.
        return client.SafeHandle.DangerousGetHandle().ToInt64() >= budget || ControlFiles.OpenDescriptors() > budget ? NoDescriptorToSpare : null;
    }

    /// <summary>
    /// Tells a client it is not served, and closes it. One small line, written without waiting and without a timer
    /// (when descriptors have run out, the runtime cannot start the threads a timer or a wait might need).
    /// </summary>
    private static void Shed(Socket client, byte[] reply)
    {
        try
        {
            client.Blocking = false;
            client.Send(reply);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
        client.Dispose();
    }

    /// <summary>Stops accepting, removes the socket, closes connections that stay idle for a moment, gives the others a moment to finish, then closes them.</summary>
    public ValueTask DisposeAsync()
    {
        lock (_gate) _disposeTask ??= CloseAsync();
        return new ValueTask(_disposeTask);
    }

    private async Task CloseAsync()
    {
        // The socket goes first, so no client finds a path that no longer answers.
        try
        {
            File.Delete(SocketPath);
        }
        catch (IOException)
        {
        }
        _stopping = true;
        _listener.Dispose();
        // An idle client may be about to ask (a wait for the outcome, sent just after it connected): a moment for that.
        List<ControlConnection> idle;
        lock (_gate) idle = _connections.Keys.Where(c => c.IsIdle).ToList();
        if (idle.Count > 0) await Task.Delay(IdleGrace).ConfigureAwait(false);
        foreach (var connection in idle.Where(c => c.IsIdle)) connection.Close();
        Task[] busy;
        lock (_gate) busy = [.. _connections.Values];
        await Task.WhenAll(busy).WaitAsync(CloseGrace).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        _closing.Cancel();
        await _acceptLoop.ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        Interlocked.Exchange(ref _spare, null)?.Dispose();
        _lock.Dispose();
    }
}
