using System.Globalization;

namespace Formation.Engine.Os;

/// <summary>The CPU time and resident memory of one process group, as Get-Process reports them for one process (CPU, WS).</summary>
/// <param name="CpuSeconds">User and system time of the group's live members, and of the children they have reaped.</param>
/// <param name="MemoryBytes">The sum of the live members' resident sets (a page two members share counts for each, as WS does).</param>
internal readonly record struct GroupUsage(double CpuSeconds, long MemoryBytes)
{
    /// <summary>
    /// The usage of each group asked about that has a live member, from one pass over <c>/proc</c> (Linux; elsewhere
    /// none). Read on demand: nothing polls, so a formation nobody looks at costs nothing.
    /// </summary>
    public static Dictionary<int, GroupUsage> Read(IReadOnlyCollection<int> pgids)
    {
        var totals = new Dictionary<int, GroupUsage>();
        if (pgids.Count == 0 || !Native.IsLinux) return totals;
        var wanted = pgids.ToHashSet();
        var tick = 1.0 / ClockTicks;
        var page = Environment.SystemPageSize;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            var name = Path.GetFileName(dir);
            if (name.Length == 0 || !char.IsAsciiDigit(name[0])) continue;
            if (!TryRead(dir, out var pgrp, out var ticks, out var pages) || !wanted.Contains(pgrp)) continue;
            var sum = totals.GetValueOrDefault(pgrp);
            totals[pgrp] = new GroupUsage(sum.CpuSeconds + ticks * tick, sum.MemoryBytes + pages * page);
        }
        return totals;
    }

    /// <summary>Clock ticks per second, the unit of /proc's times (USER_HZ: 100 on every Linux build that matters).</summary>
    private static long ClockTicks { get; } = Native.IsLinux && Native.sysconf(Native.SC_CLK_TCK_LINUX) is > 0 and var hz ? hz : 100;

    /// <summary>
    /// One process's group, CPU ticks (utime + stime + cutime + cstime) and resident pages, from <c>/proc/PID/stat</c>;
    /// false for a process that is gone or a zombie.
    /// </summary>
    private static bool TryRead(string dir, out int pgrp, out long ticks, out long pages)
    {
        pgrp = 0;
        ticks = pages = 0;
        string text;
        try
        {
            text = File.ReadAllText(Path.Combine(dir, "stat"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so count fields after the last ')'.
        var close = text.LastIndexOf(')');
        if (close < 0 || close + 2 >= text.Length) return false;
        var f = text[(close + 2)..].Split(' ');
        // After comm: 0 state, 2 pgrp, 11 utime, 12 stime, 13 cutime, 14 cstime, 21 rss (pages).
        if (f.Length < 22 || f[0] is "Z" or "X" || !int.TryParse(f[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out pgrp)) return false;
        for (var i = 11; i <= 14; i++) ticks += long.TryParse(f[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var t) ? t : 0;
        pages = long.TryParse(f[21], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var rss) ? rss : 0;
        return true;
    }
}
