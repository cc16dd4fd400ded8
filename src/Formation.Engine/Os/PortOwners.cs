using System.Globalization;
using System.Net.NetworkInformation;

namespace Formation.Engine.Os;

/// <summary>
/// Which of some TCP ports are already listened on, and by which process where the OS tells
/// (Linux: the kernel's socket diagnostics give the socket inode, <c>/proc/PID/fd</c> the process holding it).
/// </summary>
internal static class PortOwners
{
    private const string Listen = "0A";

    /// <summary>For each port in use: a description such as <c>node (pid 4312)</c>, or <c>another process</c>.</summary>
    public static Dictionary<int, string> Find(IReadOnlyCollection<int> ports)
    {
        var result = new Dictionary<int, string>();
        if (ports.Count == 0) return result;
        var wanted = ports.ToHashSet();
        if (Native.IsLinux)
        {
            var inodes = new Dictionary<long, int>();
            foreach (var (port, inode) in Listeners())
                if (wanted.Contains(port)) inodes.TryAdd(inode, port);
            foreach (var (inode, port) in inodes) result[port] = "another process";
            if (inodes.Count > 0) NameOwners(inodes, result);
            return result;
        }
        return FindElsewhere(wanted, result);
    }

    /// <summary>Not Linux: the OS lists the listeners, not their owners. A method of its own, so the JIT loads
    /// System.Net.NetworkInformation only where it runs.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static Dictionary<int, string> FindElsewhere(HashSet<int> wanted, Dictionary<int, string> result)
    {
        foreach (var endpoint in IPGlobalProperties.GetIPGlobalProperties().GetActiveTcpListeners())
            if (wanted.Contains(endpoint.Port)) result[endpoint.Port] = "another process";
        return result;
    }

    /// <summary>
    /// Whether a live process of the group <paramref name="pgid"/> holds a socket listening on the port: a
    /// ready probe counts only when the instance itself answers, not another process on its port (Linux;
    /// elsewhere the OS does not tell and this says true).
    /// </summary>
    public static bool ListenedOnByGroup(int port, int pgid)
    {
        if (!Native.IsLinux) return true;
        var inodes = new HashSet<long>();
        foreach (var (p, inode) in Listeners())
            if (p == port) inodes.Add(inode);
        if (inodes.Count == 0) return false;
        foreach (var (pid, _) in ProcessGroups.LiveMembers(pgid))
            if (SocketInodes(pid.ToString(CultureInfo.InvariantCulture)).Any(inodes.Contains)) return true;
        return false;
    }

    /// <summary>Every TCP listener (IPv4 and IPv6) as (port, socket inode): from netlink, else from <c>/proc/net/tcp{,6}</c>.</summary>
    private static IEnumerable<(int Port, long Inode)> Listeners() =>
        SocketDiag.Listeners() ?? ListenersFromTable("/proc/net/tcp").Concat(ListenersFromTable("/proc/net/tcp6"));

    private static IEnumerable<(int Port, long Inode)> ListenersFromTable(string table)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(table);
        }
        catch (IOException)
        {
            yield break;
        }
        catch (UnauthorizedAccessException)
        {
            yield break;
        }
        // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
        foreach (var line in lines.Skip(1))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 10 || f[3] != Listen) continue;
            var colon = f[1].LastIndexOf(':');
            if (int.TryParse(f[1].AsSpan(colon + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var port) &&
                long.TryParse(f[9], NumberStyles.None, CultureInfo.InvariantCulture, out var inode))
                yield return (port, inode);
        }
    }

    private static void NameOwners(Dictionary<long, int> inodes, Dictionary<int, string> result)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            var name = Path.GetFileName(dir);
            if (!int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            foreach (var inode in SocketInodes(name))
            {
                if (!inodes.TryGetValue(inode, out var port)) continue;
                try
                {
                    result[port] = $"{File.ReadAllText(Path.Combine(dir, "comm")).Trim()} (pid {pid})";
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                }
            }
        }
    }

    /// <summary>The inodes of the sockets a process holds (<c>/proc/PID/fd</c> links <c>socket:[inode]</c>).</summary>
    private static List<long> SocketInodes(string pid)
    {
        var inodes = new List<long>();
        try
        {
            foreach (var fd in Directory.EnumerateFileSystemEntries(Path.Combine("/proc", pid, "fd")))
            {
                var target = new FileInfo(fd).LinkTarget;
                if (target is null || !target.StartsWith("socket:[", StringComparison.Ordinal)) continue;
                if (long.TryParse(target.AsSpan(8, target.Length - 9), NumberStyles.None, CultureInfo.InvariantCulture, out var inode)) inodes.Add(inode);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
        return inodes;
    }
}
