using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Formation.Engine.Tests.Control;

/// <summary>A connection to an endpoint that writes raw bytes and reads raw lines, as <c>socat</c> or a hostile client would.</summary>
internal sealed class RawConnection : IDisposable
{
    private readonly Socket _socket;
    private readonly StreamReader _reader;

    private RawConnection(Socket socket)
    {
        _socket = socket;
        _reader = new StreamReader(new NetworkStream(socket, ownsSocket: false), new UTF8Encoding(false));
    }

    public static async Task<RawConnection> OpenAsync(string socketPath)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath)).WaitAsync(TimeSpan.FromSeconds(30));
        return new RawConnection(socket);
    }

    /// <summary>The first line answered to <paramref name="request"/> on a new connection.</summary>
    public static async Task<string> ExchangeAsync(string socketPath, string request)
    {
        using var connection = await OpenAsync(socketPath);
        await connection.SendAsync(request);
        return await connection.ReadLineAsync() ?? "";
    }

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        try
        {
            await _socket.SendAsync(bytes, SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (SocketException)
        {
            // The endpoint may close before it has read an oversized request to the end; its reply is still there.
        }
    }

    /// <summary>Says "no more requests" (as socat does at the end of its input), keeping the read side open.</summary>
    public void EndRequests() => _socket.Shutdown(SocketShutdown.Send);

    /// <summary>The next line, or null once the endpoint has closed the connection; fails after the bound.</summary>
    public async Task<string?> ReadLineAsync(TimeSpan? bound = null)
    {
        try
        {
            return await _reader.ReadLineAsync().WaitAsync(bound ?? TimeSpan.FromSeconds(30));
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The next reply (a line with an "id"), skipping notifications.</summary>
    public async Task<JsonElement> ReadReplyAsync()
    {
        while (true)
        {
            var line = await ReadLineAsync() ?? throw new IOException("The endpoint closed the connection without a reply.");
            var root = JsonDocument.Parse(line).RootElement;
            if (root.TryGetProperty("id", out _)) return root;
        }
    }

    public void Dispose()
    {
        _reader.Dispose();
        _socket.Dispose();
    }
}
