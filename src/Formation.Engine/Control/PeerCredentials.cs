using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Formation.Engine.Control;

/// <summary>
/// Who is at the other end of a Unix domain socket (SO_PEERCRED, read with .NET's raw socket option API),
/// and who we are (geteuid, which .NET has no API for). Only the same user and root may use an endpoint.
/// </summary>
internal static partial class PeerCredentials
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;

    /// <summary>This process's effective uid.</summary>
    public static uint CurrentUid { get; } = OperatingSystem.IsLinux() ? geteuid() : 0;

    /// <summary>The peer's pid and uid, as the kernel recorded them when the connection was made.</summary>
    public static (int Pid, uint Uid) Of(Socket socket)
    {
        Span<byte> ucred = stackalloc byte[12]; // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
        var length = socket.GetRawSocketOption(SolSocket, SoPeerCred, ucred);
        if (length < 8) throw new IOException("SO_PEERCRED returned too little data.");
        return (MemoryMarshal.Read<int>(ucred), MemoryMarshal.Read<uint>(ucred[4..]));
    }

    /// <summary>Whether the peer is this user or root.</summary>
    public static bool IsTrusted(Socket socket) => Of(socket).Uid is var uid && (uid == CurrentUid || uid == 0);

    [LibraryImport("libc")]
    private static partial uint geteuid();
}
