using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Formation.Engine.Os;

/// <summary>
/// Linux: the listening TCP sockets (local port and socket inode) from the kernel's socket diagnostics over
/// netlink (<c>NETLINK_SOCK_DIAG</c>, what <c>ss -ltn</c> asks). Asking for listeners only, the kernel walks its
/// listening table alone; reading <c>/proc/net/tcp</c> walks every bucket of the established table on each
/// read, which cost a start about 10 ms of CPU on a machine with an idle network.
/// </summary>
internal static unsafe class SocketDiag
{
    private const int AF_NETLINK = 16, SOCK_DGRAM = 2, SOCK_CLOEXEC = 0x80000, NETLINK_SOCK_DIAG = 4;
    private const int SOCK_DIAG_BY_FAMILY = 20, NLMSG_ERROR = 2, NLMSG_DONE = 3;
    private const ushort NLM_F_REQUEST = 0x1, NLM_F_DUMP = 0x300;
    private const int AF_INET = 2, AF_INET6 = 10, IPPROTO_TCP = 6, TCP_LISTEN = 10;
    private const int HeaderSize = 16, RequestSize = HeaderSize + 56;

    // struct inet_diag_msg after the netlink header: family, state, timer, retrans (1 byte each), then
    // inet_diag_sockid (sport and dport big-endian, 2 addresses of 16 bytes, interface, cookie), expires,
    // rqueue, wqueue, uid, inode.
    private const int PortOffset = 4, InodeOffset = 4 + 48 + 16;

    /// <summary>Every TCP listener (IPv4 and IPv6) as (port, inode); null when netlink cannot be asked (then read /proc).</summary>
    public static List<(int Port, long Inode)>? Listeners()
    {
        var fd = Native.socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
        if (fd < 0) return null;
        try
        {
            // A sandbox that takes the request and never answers gets a second, then /proc is read instead.
            const int SOL_SOCKET = 1;
            var SO_RCVTIMEO = RuntimeInformation.ProcessArchitecture == Architecture.Ppc64le ? 18 : 20;
            var timeout = stackalloc nint[2] { 1, 0 }; // struct timeval: 1 s, 0 µs
            Native.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, timeout, 2 * sizeof(nint));
            var found = new List<(int, long)>();
            return Dump(fd, AF_INET, found) && Dump(fd, AF_INET6, found) ? found : null;
        }
        finally
        {
            Native.close(fd);
        }
    }

    private static bool Dump(int fd, int family, List<(int, long)> found)
    {
        var request = stackalloc byte[RequestSize];
        var span = new Span<byte>(request, RequestSize);
        span.Clear();
        // Netlink headers are in the machine's byte order; ports in the socket id are big-endian.
        MemoryMarshal.Write(span, RequestSize);                                    // nlmsg_len
        MemoryMarshal.Write(span[4..], (ushort)SOCK_DIAG_BY_FAMILY);               // nlmsg_type
        MemoryMarshal.Write(span[6..], (ushort)(NLM_F_REQUEST | NLM_F_DUMP));      // nlmsg_flags
        MemoryMarshal.Write(span[8..], family);                                    // nlmsg_seq
        span[HeaderSize] = (byte)family;                                           // sdiag_family
        span[HeaderSize + 1] = IPPROTO_TCP;                                        // sdiag_protocol
        MemoryMarshal.Write(span[(HeaderSize + 4)..], 1u << TCP_LISTEN);           // idiag_states
        var kernel = stackalloc byte[12];                                          // sockaddr_nl: the kernel (pid 0)
        new Span<byte>(kernel, 12).Clear();
        *(ushort*)kernel = AF_NETLINK;
        if (Native.sendto(fd, request, RequestSize, 0, kernel, 12) != RequestSize) return false;

        const int BufferSize = 32 * 1024;
        var buffer = stackalloc byte[BufferSize];
        while (true)
        {
            var n = (int)Native.recv(fd, buffer, BufferSize, 0);
            if (n < 0 && Marshal.GetLastPInvokeError() == Native.EINTR) continue;
            if (n <= 0) return false;
            var data = new ReadOnlySpan<byte>(buffer, n);
            while (data.Length >= HeaderSize)
            {
                var length = MemoryMarshal.Read<int>(data);
                var type = MemoryMarshal.Read<ushort>(data[4..]);
                if (length < HeaderSize || length > data.Length) return false;
                // The end of the dump carries the dump's error (0, or a negative errno).
                if (type == NLMSG_DONE) return length < HeaderSize + 4 || MemoryMarshal.Read<int>(data[HeaderSize..]) == 0;
                if (type == NLMSG_ERROR) return false;
                var message = data[HeaderSize..length];
                if (type == SOCK_DIAG_BY_FAMILY && message.Length >= InodeOffset + 4 && message[1] == TCP_LISTEN)
                    found.Add((BinaryPrimitives.ReadUInt16BigEndian(message[PortOffset..]), MemoryMarshal.Read<uint>(message[InodeOffset..])));
                data = data[Math.Min(data.Length, (length + 3) & ~3)..];
            }
        }
    }
}
