using System.Globalization;

namespace Formation.Engine.Os;

/// <summary>
/// What is left of a process group. On Linux this reads <c>/proc</c>, so zombies waiting for PID 1 to
/// reap them do not count as alive (<c>kill(-pgid, 0)</c> would say they are).
/// </summary>
public static class ProcessGroups
{
    /// <summary>The live (not zombie) members of the group, with their command names.</summary>
    internal static List<(int Pid, string Name)> LiveMembers(int pgid)
    {
        var members = new List<(int, string)>();
        // No such group at all (not even zombies): no need to read /proc.
        if (Native.kill(-pgid, 0) != 0) return members;
        if (!Native.IsLinux)
        {
            members.Add((pgid, "?"));
            return members;
        }
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            var name = Path.GetFileName(dir);
            if (name.Length == 0 || !char.IsAsciiDigit(name[0])) continue;
            if (TryReadStat(dir, out var stat) && stat.Pgrp == pgid && stat.State is not ('Z' or 'X'))
                members.Add((int.Parse(name, CultureInfo.InvariantCulture), stat.Comm));
        }
        return members;
    }

    public static bool IsAlive(int pgid) => LiveMembers(pgid).Count > 0;

    /// <summary>The ids of every group with a live (not zombie) member, from one pass over <c>/proc</c> (Linux).</summary>
    internal static HashSet<int> LiveGroupIds()
    {
        var groups = new HashSet<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            var name = Path.GetFileName(dir);
            if (name.Length == 0 || !char.IsAsciiDigit(name[0])) continue;
            if (TryReadStat(dir, out var stat) && stat.State is not ('Z' or 'X')) groups.Add(stat.Pgrp);
        }
        return groups;
    }

    /// <summary>
    /// The pids of this process's children, live or not, from <c>/proc/self/task/*/children</c> (each thread lists
    /// the children it forked or was handed): a read per thread, not per process of the machine. Null where the
    /// kernel does not offer the lists (built without CONFIG_PROC_CHILDREN), off Linux, and when threads kept
    /// starting or ending while the lists were read (an ending thread hands its children to another).
    /// </summary>
    internal static HashSet<int>? ChildPids()
    {
        var self = Environment.ProcessId;
        if (!Native.IsLinux || !File.Exists($"/proc/self/task/{self}/children")) return null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                // The main thread last: orphans, and the children of a thread that ends, are handed to it, so a
                // child that ends while the lists are read leaves its own children where they are still read.
                var tasks = Directory.GetDirectories("/proc/self/task");
                var main = $"/proc/self/task/{self}";
                var ordered = tasks.Where(t => t != main).Append(main);
                var pids = new HashSet<int>();
                foreach (var task in ordered) AddChildren(Path.Combine(task, "children"), pids);
                if (tasks.SequenceEqual(Directory.GetDirectories("/proc/self/task"))) return pids;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A thread that ended while it was read: read them all again.
            }
        }
        return null;
    }

    /// <summary>Adds the pids of one thread's <c>children</c> list (space-separated), read with one open, read and close.</summary>
    private static void AddChildren(string path, HashSet<int> pids)
    {
        Span<byte> bytes = stackalloc byte[4096];
        var length = Native.ReadSmallFile(path, bytes);
        if (length < 0) throw new IOException($"cannot read {path}");
        // A list longer than the buffer (hundreds of children) is read whole the slow way.
        var text = length < bytes.Length ? System.Text.Encoding.ASCII.GetString(bytes[..length]) : File.ReadAllText(path);
        foreach (var pid in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            if (int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var id)) pids.Add(id);
    }

    /// <summary>Sends a signal to one process.</summary>
    public static bool SignalProcess(int pid, int signal) => Native.kill(pid, signal) == 0;

    /// <summary>Sends a signal to every process of the group. False when the group no longer exists.</summary>
    public static bool Signal(int pgid, int signal) => Native.kill(-pgid, signal) == 0;

    internal static bool TryReadStat(string dir, out (string Comm, char State, int Ppid, int Pgrp, int Session, long StartTime) stat)
    {
        stat = default;
        // A stat line is under 1 KiB (comm is at most 64 bytes); read with one open, read and close: scans read one per process.
        Span<byte> bytes = stackalloc byte[1024];
        var length = Native.ReadSmallFile(Path.Combine(dir, "stat"), bytes);
        if (length <= 0) return false;
        var text = System.Text.Encoding.UTF8.GetString(bytes[..length]);
        // pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses, so split after the last ')'.
        var open = text.IndexOf('(');
        var close = text.LastIndexOf(')');
        if (open < 0 || close < open || close + 2 >= text.Length) return false;
        // Fields after comm: state ppid pgrp session ... starttime (the 20th after comm, in clock ticks since boot).
        var rest = text[(close + 2)..].Split(' ', 21);
        if (rest.Length < 20 ||
            !int.TryParse(rest[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ppid) ||
            !int.TryParse(rest[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var pgrp) ||
            !int.TryParse(rest[3], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var session) ||
            !long.TryParse(rest[19], NumberStyles.None, CultureInfo.InvariantCulture, out var startTime))
            return false;
        stat = (text[(open + 1)..close], rest[0][0], ppid, pgrp, session, startTime);
        return true;
    }
}
