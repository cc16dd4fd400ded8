using System.IO.Pipelines;
using System.Net.Sockets;
using Formation.Engine.Supervision;
using StreamJsonRpc;

namespace Formation.Engine.Control;

/// <summary>
/// A running formation's control endpoint: a Unix domain socket (0600) in the user's
/// <see cref="ControlDirectory"/>, serving <see cref="ControlProtocol"/> to this user and root only
/// (SO_PEERCRED, checked on every connection). Never TCP. The host opens it when the formation starts;
/// it closes itself, and removes its socket, when the formation ends.
/// </summary>
/// <remarks>
/// Windows (designed, not built): the same contract as a named pipe <c>\\.\pipe\formation-SID-NAME</c>
/// created with <c>NamedPipeServerStreamAcl.Create</c> and a <c>PipeSecurity</c> that grants only the current
/// user's SID (and SYSTEM), <c>PipeOptions.CurrentUserOnly</c> on both ends, <c>FirstPipeInstance</c> on the
/// first instance as the name claim (so a live owner is never replaced and a dead one's pipe is gone with
/// it), and the same JSON-RPC messages over the pipe stream. <see cref="Open"/> throws
/// <see cref="PlatformNotSupportedException"/> there today.
/// </remarks>
public sealed class ControlEndpoint : IAsyncDisposable
{
    /// <summary>Connections served at once; more wait in the listen backlog.</summary>
    internal const int MaxConnections = 256;

    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(2);

    private readonly ProcessFormation _formation;
    private readonly FileStream _lock;
    private readonly Socket _listener;
    private readonly CancellationTokenSource _closing = new();
    private readonly SemaphoreSlim _slots = new(MaxConnections);
    private readonly SemaphoreSlim _changes = new(1, 1);
    private readonly object _gate = new();
    private readonly HashSet<Task> _connections = [];
    private readonly Task _acceptLoop;
    private Task? _disposeTask;

    private ControlEndpoint(ProcessFormation formation, string socketPath, FileStream lockFile, Socket listener)
    {
        _formation = formation;
        SocketPath = socketPath;
        _lock = lockFile;
        _listener = listener;
        _acceptLoop = Task.Run(AcceptLoopAsync);
        _ = formation.Completion.ContinueWith(_ => DisposeAsync().AsTask(), TaskScheduler.Default);
    }

    /// <summary>Full path of the socket.</summary>
    public string SocketPath { get; }

    /// <summary>
    /// Opens the endpoint of a formation, before or after it starts. Call it before <see cref="ProcessFormation.Start"/>
    /// to make the name's uniqueness part of the start: a name already running anywhere for this user is refused.
    /// </summary>
    /// <param name="formation">The formation to serve.</param>
    /// <param name="directory">The control directory; <see cref="ControlDirectory.DefaultPath"/> when null.</param>
    /// <exception cref="FormationException">A live formation of that name owns the endpoint, or the directory is not private.</exception>
    /// <exception cref="PlatformNotSupportedException">Not on Linux (see the remarks for the Windows design).</exception>
    public static ControlEndpoint Open(ProcessFormation formation, string? directory = null)
    {
        if (!OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException("Formation's control endpoint is built for Linux (a Unix domain socket checked with SO_PEERCRED); the Windows named-pipe endpoint is designed but not built.");
        var dir = ControlDirectory.Ensure(directory);
        var socketPath = ControlDirectory.SocketPath(formation.Name, dir);
        var lockFile = Claim(formation.Name, ControlDirectory.LockPath(socketPath));
        Socket? listener = null;
        try
        {
            // We hold the name's lock, so a socket left here belongs to a dead owner: replace it.
            File.Delete(socketPath);
            listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(socketPath));
            File.SetUnixFileMode(socketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            listener.Listen(MaxConnections);
            return new ControlEndpoint(formation, socketPath, lockFile, listener);
        }
        catch
        {
            listener?.Dispose();
            lockFile.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Takes the name's lock file (flock, released by the kernel when the owner dies) and records our pid and
    /// the name in it. The owner deletes the file when it ends; a lock won on a file deleted meanwhile is
    /// dropped and taken again on the new file, so two owners never hold the same name.
    /// </summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static FileStream Claim(string name, string lockPath)
    {
        while (true)
        {
            FileStream lockFile;
            try
            {
                lockFile = new FileStream(lockPath, new FileStreamOptions
                {
                    Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None, BufferSize = 0,
                    UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                });
            }
            catch (IOException) when (File.Exists(lockPath))
            {
                throw new FormationNameTakenException($"A formation named '{name}' is already running. " +
                    $"Stop it first ('formation stop --name {name}'), or give the new one another name with --name.");
            }
            if (!ControlDirectory.IsSameFile(lockFile.SafeFileHandle, lockPath))
            {
                lockFile.Dispose();
                continue;
            }
            lockFile.SetLength(0);
            lockFile.Write(System.Text.Encoding.UTF8.GetBytes($"{Environment.ProcessId}\n{name}\n"));
            lockFile.Flush();
            return lockFile;
        }
    }

    /// <summary>
    /// Removes the endpoint at <paramref name="socketPath"/> if its owner is gone (its lock can be taken), and
    /// says what the owner's lock file recorded; null when a live owner holds the name.
    /// </summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    internal static GoneFormation? RemoveIfAbandoned(string socketPath)
    {
        var lockPath = ControlDirectory.LockPath(socketPath);
        FileStream probe;
        try
        {
            probe = new FileStream(lockPath, new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.ReadWrite, Share = FileShare.None, BufferSize = 0 });
        }
        catch (FileNotFoundException)
        {
            File.Delete(socketPath); // an owner that never wrote its lock (or an older layout): nothing holds the name
            return new GoneFormation(null, null, socketPath);
        }
        catch (IOException)
        {
            return null;
        }
        using (probe)
        {
            if (!ControlDirectory.IsSameFile(probe.SafeFileHandle, lockPath)) return null; // a new owner is claiming the name
            // Read through our own handle: a second open would take a shared lock that ours refuses.
            var lines = new StreamReader(probe, leaveOpen: true).ReadToEnd().Split('\n');
            int? pid = int.TryParse(lines[0], out var p) ? p : null;
            var name = lines.Length > 1 && lines[1].Length > 0 ? lines[1] : null;
            File.Delete(socketPath);
            File.Delete(lockPath);
            return new GoneFormation(name, pid, socketPath);
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_closing.IsCancellationRequested)
        {
            Socket client;
            try
            {
                await _slots.WaitAsync(_closing.Token).ConfigureAwait(false);
                client = await _listener.AcceptAsync(_closing.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            var task = ServeAsync(client);
            lock (_gate) _connections.Add(task);
            _ = task.ContinueWith(t =>
            {
                lock (_gate) _connections.Remove(t);
                _slots.Release();
            }, TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        using var _ = client;
        try
        {
            if (!PeerCredentials.IsTrusted(client)) return; // another user: not a byte read or written
            await using var stream = new NetworkStream(client, ownsSocket: false);
            var requests = new Pipe();
            var handler = new NewLineDelimitedMessageHandler(PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true)), requests.Reader, ControlProtocol.CreateFormatter());
            using var rpc = new JsonRpc(handler);
            ControlProtocol.Serve(rpc, new ControlService(_formation, _changes));
            rpc.StartListening();
            MessageGuard.Rejection? rejection;
            try
            {
                rejection = await MessageGuard.CopyAsync(stream, requests.Writer, _closing.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
            {
                rejection = null;
            }
            await requests.Writer.CompleteAsync().ConfigureAwait(false);
            await rpc.Completion.ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            if (rejection is not null) await stream.WriteAsync(MessageGuard.Reply(rejection)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            // The client went away; nothing to answer.
        }
    }

    /// <summary>Stops accepting, removes the socket, lets open connections finish for a moment, then closes them.</summary>
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
        _closing.CancelAfter(CloseGrace);
        _listener.Dispose();
        Task[] open;
        lock (_gate) open = [.. _connections];
        await Task.WhenAll(open).WaitAsync(CloseGrace).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        await _acceptLoop.ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        _closing.Cancel();
        // Delete the lock file while still holding it, then let go (see Claim).
        try
        {
            File.Delete(ControlDirectory.LockPath(SocketPath));
        }
        catch (IOException)
        {
        }
        await _lock.DisposeAsync().ConfigureAwait(false);
    }
}
