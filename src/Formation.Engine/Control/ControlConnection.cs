using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Formation.Engine.Control;

/// <summary>
/// The endpoint's side of one client connection. It reads one request per line and answers each (requests
/// run side by side, at most <see cref="MaxInFlight"/> at once); a malformed line gets an error reply and the
/// connection carries on, except a line over <see cref="ControlProtocol.MaxRequestBytes"/>, after which it
/// closes. A connection with no request under way is idle: it is closed after
/// <see cref="ControlLimits.IdleTimeout"/>, or earlier when the endpoint needs its slot. When the client
/// closes its side, the requests under way still get their answers.
/// </summary>
internal sealed class ControlConnection
{
    /// <summary>Requests of one connection under way at once; the next line is read when one ends.</summary>
    internal const int MaxInFlight = 16;

    private readonly LineSocket _line;
    private readonly ControlService _service;
    private readonly ControlLimits _limits;
    private readonly object _gate = new();
    private readonly Dictionary<string, CancellationTokenSource> _requests = [];
    private readonly SemaphoreSlim _slots = new(MaxInFlight);
    private readonly CancellationTokenSource _closed = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Timer _idle;
    private int _inFlight;
    private bool _draining;

    public ControlConnection(Socket socket, ControlService service, ControlLimits limits)
    {
        _line = new LineSocket(socket);
        _service = service;
        _limits = limits;
        _idle = new Timer(_ => CloseIfIdle());
        LastActive = Environment.TickCount64;
    }

    /// <summary>When a line last came in or a request last ended (<see cref="Environment.TickCount64"/>).</summary>
    public long LastActive { get; private set; }

    /// <summary>No request under way (a follow or a wait is one).</summary>
    public bool IsIdle
    {
        get
        {
            lock (_gate) return _inFlight == 0;
        }
    }

    /// <summary>Serves the connection until the client leaves, it idles out, or the endpoint closes.</summary>
    public async Task RunAsync(CancellationToken endpointClosing)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(endpointClosing, _closed.Token);
        Idle(arm: true);
        try
        {
            while (true)
            {
                var (status, line) = await _line.ReadLineAsync(ControlProtocol.MaxRequestBytes, stop.Token).ConfigureAwait(false);
                Touch();
                if (status == LineSocket.Read.End) break;
                if (status == LineSocket.Read.TooLong)
                {
                    await SendAsync(JsonRpcFormat.Error(null, ControlProtocol.InvalidRequest,
                        $"Request larger than {ControlProtocol.MaxRequestBytes} bytes; the connection is closed.")).ConfigureAwait(false);
                    return;
                }
                if (line.Span.Trim(" \t\r"u8).IsEmpty) continue;
                RpcRequest? request;
                RpcRejection? rejection;
                try
                {
                    (request, rejection) = JsonRpcFormat.ReadRequest(line);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // One line the reader did not foresee fails alone: the other requests on this connection carry on.
                    (request, rejection) = (null, new RpcRejection(ControlProtocol.InvalidRequest, $"Invalid request: {ex.Message}", null));
                }
                if (rejection is not null)
                {
                    await SendAsync(JsonRpcFormat.Error(rejection.Id, rejection.Code, rejection.Message)).ConfigureAwait(false);
                    continue;
                }
                if (request!.Method == ControlProtocol.CancelRequest)
                {
                    CancelRequested(request);
                    if (request.Id is not null)
                        await SendAsync(JsonRpcFormat.Error(request.Id, ControlProtocol.InvalidRequest, $"{ControlProtocol.CancelRequest} is a notification: send it without an id.")).ConfigureAwait(false);
                    continue;
                }
                await _slots.WaitAsync(stop.Token).ConfigureAwait(false);
                _ = HandleAsync(request, stop.Token);
            }
            // The client has said all it will; what it asked still gets answered.
            lock (_gate)
            {
                _draining = true;
                if (_inFlight == 0) _drained.TrySetResult();
            }
            await _drained.Task.WaitAsync(stop.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away, the connection idled out, or the endpoint is closing.
        }
        finally
        {
            Close();
        }
    }

    /// <summary>Closes an idle connection to make room for another, after telling its client why (within a second).</summary>
    public async Task EvictAsync(byte[] message)
    {
        try
        {
            await _line.SendAsync(message, _closed.Token).WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or TimeoutException or OperationCanceledException)
        {
            // The client is gone or does not read: it is closed all the same.
        }
        Close();
    }

    /// <summary>Closes the connection: its requests are cancelled and its socket closed.</summary>
    public void Close()
    {
        lock (_gate)
        {
            if (_closed.IsCancellationRequested) return;
            _closed.Cancel();
        }
        _idle.Dispose();
        _line.Dispose();
    }

    /// <summary>Sends a result for a request (nothing for a notification).</summary>
    public Task ReplyAsync<T>(RpcRequest request, T value, JsonTypeInfo<T> info) =>
        request.Id is null ? Task.CompletedTask : SendAsync(JsonRpcFormat.Result(request.Id, value, info));

    /// <summary>Sends an error for a request (nothing for a notification).</summary>
    public Task FailAsync(RpcRequest request, int code, string message) =>
        request.Id is null ? Task.CompletedTask : SendAsync(JsonRpcFormat.Error(request.Id, code, message));

    /// <summary>Sends a notification about a request (nothing for a notification).</summary>
    public Task NotifyAsync<T>(RpcRequest request, string method, string? property, T value, JsonTypeInfo<T>? info) =>
        request.Id is null ? Task.CompletedTask : SendAsync(JsonRpcFormat.Notification(method, request.Id, property, value, info));

    /// <summary>Tells the client every <see cref="ControlLimits.Heartbeat"/> that the request is under way, until disposed.</summary>
    public IDisposable Working(RpcRequest request) =>
        new Timer(_ => _ = NotifyAsync<object?>(request, ControlProtocol.WorkingNotification, null, null, null), null, _limits.Heartbeat, _limits.Heartbeat);

    private async Task HandleAsync(RpcRequest request, CancellationToken connectionClosing)
    {
        Begin();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(connectionClosing);
        var tracked = request.Id is { } id && Track(id, cancel);
        try
        {
            await _service.HandleAsync(request, this, cancel.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            // The client went away before its answer.
        }
        finally
        {
            if (tracked)
            {
                lock (_gate) _requests.Remove(request.Id!);
            }
            _slots.Release();
            End();
        }
    }

    private bool Track(string id, CancellationTokenSource cancel)
    {
        lock (_gate) return _requests.TryAdd(id, cancel);
    }

    /// <summary><c>$/cancelRequest</c> with <c>{"id": …}</c>: the request of that id gives up (its answer says so).</summary>
    private void CancelRequested(RpcRequest request)
    {
        if (request.Params.ValueKind != JsonValueKind.Object || !request.Params.TryGetProperty("id", out var id)) return;
        CancellationTokenSource? cancel;
        lock (_gate) _requests.TryGetValue(id.GetRawText(), out cancel);
        try
        {
            cancel?.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task SendAsync(byte[] message)
    {
        try
        {
            await _line.SendAsync(message, _closed.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Begin()
    {
        lock (_gate)
        {
            _inFlight++;
            Idle(arm: false);
        }
    }

    private void End()
    {
        lock (_gate)
        {
            if (--_inFlight > 0) return;
            LastActive = Environment.TickCount64;
            if (_draining) _drained.TrySetResult();
            else Idle(arm: true);
        }
    }

    private void Touch()
    {
        lock (_gate)
        {
            LastActive = Environment.TickCount64;
            if (_inFlight == 0) Idle(arm: true);
        }
    }

    private void Idle(bool arm)
    {
        if (_closed.IsCancellationRequested) return;
        try
        {
            _idle.Change(arm ? _limits.IdleTimeout : Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void CloseIfIdle()
    {
        lock (_gate)
        {
            if (_inFlight > 0 || Environment.TickCount64 - LastActive < (long)_limits.IdleTimeout.TotalMilliseconds - 50) return;
        }
        Close();
    }
}
