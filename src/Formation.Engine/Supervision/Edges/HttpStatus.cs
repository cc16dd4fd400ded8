using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Formation.Engine.Supervision;

/// <summary>
/// The status code of one HTTP/1.1 GET on a connected loopback socket, for the <c>http</c> ready probe: the request
/// (with <c>Connection: close</c>), then the response's status line, nothing more. It replaces HttpClient, whose
/// TLS, HTTP/2 and HTTP/3, proxy and cookie code a probe of 127.0.0.1 never uses but every build of
/// <c>formation</c> carried: about a fifth of the native binary, and memory in every formation.
/// </summary>
internal static class HttpStatus
{
    /// <summary>How long the whole exchange may take.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    /// <summary>A status line longer than this is not one.</summary>
    private const int MaxStatusLine = 1024;

    /// <summary>The status code the server answered with, or null when it answered something else or closed first.</summary>
    public static async Task<int?> GetAsync(Socket socket, int port, string path, CancellationToken token)
    {
        // Escaped as a URL would have it (a space is %20), query included.
        var target = new Uri("http://127.0.0.1" + path).PathAndQuery;
        var request = $"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}\r\n" +
                      "User-Agent: formation\r\nAccept: */*\r\nConnection: close\r\n\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, token).ConfigureAwait(false);
        var buffer = new byte[MaxStatusLine];
        var length = 0;
        while (length < buffer.Length)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, token).ConfigureAwait(false);
            if (n == 0) break;
            length += n;
            if (buffer.AsSpan(0, length).IndexOf((byte)'\n') >= 0) break;
        }
        return Parse(buffer.AsSpan(0, length));
    }

    /// <summary>The code of a status line <c>HTTP/1.x NNN reason</c> at the start of <paramref name="response"/>.</summary>
    internal static int? Parse(ReadOnlySpan<byte> response)
    {
        var end = response.IndexOf((byte)'\n');
        if (end < 0) return null;
        var line = Encoding.ASCII.GetString(response[..end]).TrimEnd('\r');
        var parts = line.Split(' ', 3);
        if (parts.Length < 2 || !parts[0].StartsWith("HTTP/1.", StringComparison.Ordinal) || parts[1].Length != 3) return null;
        return int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var code) ? code : null;
    }
}
