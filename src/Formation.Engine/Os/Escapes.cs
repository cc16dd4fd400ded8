using System.Globalization;
using System.Text;

namespace Formation.Engine.Os;

/// <summary>
/// Processes a formation started that are outside every group it stops: daemons that called setsid (or
/// setpgid) and whose parent ended. They are found two ways: by the formation's marker in their
/// environment (<c>FORMATION_ID=…</c>; works in every host, whoever their parent is now), and, when this
/// process is a subreaper (the CLI), as adopted children (which finds them even with a cleared
/// environment). Each is stopped with its whole group and, when it leads one, its whole session: signalling
/// only an adopted session leader left its children running. If the manager dies instead, the
/// <see cref="Watchdog"/> stops them by the same marker.
/// </summary>
/// <remarks>
/// A cgroup would contain them without scanning, but needs a writable cgroup tree (root or a delegated
/// systemd scope), which a PowerShell session usually does not have. Only the manager's own user's
/// processes can be read, which are the only ones it could have started.
/// </remarks>
internal static class Escapes
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(1);

    /// <summary>The environment variable that marks every process of one formation run.</summary>
    public const string MarkerVariable = "FORMATION_ID";

    private readonly record struct Proc(int Pid, int Pgrp, int Session, string Name);

    /// <summary>
    /// Stops the escapes: SIGTERM to each (and its group and session when it leads them), SIGKILL to what is
    /// left after <paramref name="grace"/>. Returns every process stopped (pid and command name), by pid.
    /// </summary>
    /// <param name="marker">The formation's <see cref="MarkerVariable"/> value, or null.</param>
    /// <param name="adopted">Also the live children of this process (only for a subreaper running nothing else).</param>
    /// <param name="grace">How long they have after SIGTERM.</param>
    public static async Task<IReadOnlyList<(int Pid, string Name)>> StopAsync(string? marker, bool adopted, TimeSpan grace)
    {
        try
        {
            return await StopFoundAsync(marker, adopted, grace).ConfigureAwait(false);
        }
        finally
        {
            // The formation has ended: the watchdog no longer needs its marker to stop what escaped it.
            if (marker is not null) Watchdog.ForgetMarker(marker);
        }
    }

    private static async Task<IReadOnlyList<(int Pid, string Name)>> StopFoundAsync(string? marker, bool adopted, TimeSpan grace)
    {
        var stopped = new SortedDictionary<int, string>();
        var found = Find(marker, adopted);
        if (found.Count == 0) return [];
        Signal(found, Signals.Term, stopped);
        var deadline = DateTime.UtcNow + grace;
        while ((found = Find(marker, adopted)).Count > 0 && DateTime.UtcNow < deadline)
        {
            // The children of a session leader that just ended are adopted now: they get the signal too.
            Signal(found.Where(p => !stopped.ContainsKey(p.Pid)).ToList(), Signals.Term, stopped);
            await Task.Delay(Poll).ConfigureAwait(false);
        }
        var killDeadline = DateTime.UtcNow + KillWait;
        while (found.Count > 0 && DateTime.UtcNow < killDeadline)
        {
            Signal(found, Signals.Kill, stopped);
            await Task.Delay(Poll).ConfigureAwait(false);
            found = Find(marker, adopted);
        }
        return stopped.Select(kv => (kv.Key, kv.Value)).ToList();
    }

    private static void Signal(List<Proc> procs, int signal, SortedDictionary<int, string> stopped)
    {
        var pids = procs.Select(p => p.Pid).ToHashSet();
        foreach (var p in procs)
        {
            stopped.TryAdd(p.Pid, p.Name);
            // A group is signalled whole only when one of the escapes leads it.
            if (pids.Contains(p.Pgrp)) ProcessGroups.Signal(p.Pgrp, signal);
            ProcessGroups.SignalProcess(p.Pid, signal);
        }
    }

    /// <summary>The escapes now, with the members of the groups and sessions they lead.</summary>
    private static List<Proc> Find(string? marker, bool adopted)
    {
        if (!Native.IsLinux || (marker is null && !adopted)) return [];
        // Under a subreaper, whatever outlived its group is this process's child or below one (its parent died
        // and it was re-parented here); so is every adopted child. With no child but the watchdog, nothing
        // escaped, and the machine's processes need not be read (a scan costs ~40 µs a process).
        if ((marker is null || ChildReaper.IsSubreaper) && ProcessGroups.ChildPids() is { } children && children.All(pid => pid == Watchdog.Pid)) return [];
        var self = Environment.ProcessId;
        var needle = MarkerNeedle(marker);
        // Only processes younger than this one can be its descendants: their environment alone is read.
        var me = ProcessGroups.TryReadStat($"/proc/{self}", out var own) ? own : default;
        var all = new List<(Proc Proc, int Ppid, string Dir, bool Younger)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            if (pid == self || pid == 1 || pid == Watchdog.Pid) continue;
            if (!ProcessGroups.TryReadStat(dir, out var stat) || stat.State is 'Z' or 'X') continue;
            all.Add((new Proc(pid, stat.Pgrp, stat.Session, stat.Comm), stat.Ppid, dir, stat.StartTime >= me.StartTime));
        }
        var seeds = all.Where(a => (adopted && a.Ppid == self) || (needle is not null && a.Younger && HasMarker(a.Dir, needle)))
            .Select(a => a.Proc).ToList();
        if (seeds.Count == 0) return seeds;
        var ownSession = me.Comm is null ? -1 : me.Session;
        var leaders = seeds.Select(s => s.Pid).ToHashSet();
        var result = seeds.ToDictionary(s => s.Pid);
        foreach (var (p, _, _, _) in all)
        {
            var inLedSession = leaders.Contains(p.Session) && p.Session != ownSession;
            if (inLedSession || leaders.Contains(p.Pgrp)) result.TryAdd(p.Pid, p);
        }
        return [.. result.Values];
    }

    /// <summary>What a marked process's environment holds (<c>FORMATION_ID=…\0</c>), or null for no marker.</summary>
    internal static byte[]? MarkerNeedle(string? marker) => marker is null ? null : Encoding.UTF8.GetBytes($"{MarkerVariable}={marker}\0");

    /// <summary>Whether the process of <paramref name="dir"/> (<c>/proc/PID</c>) has the marker in its environment.</summary>
    internal static bool HasMarker(string dir, byte[] needle)
    {
        try
        {
            return File.ReadAllBytes(Path.Combine(dir, "environ")).AsSpan().IndexOf(needle) >= 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
