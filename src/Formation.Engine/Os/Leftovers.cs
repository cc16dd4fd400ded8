using System.Globalization;

namespace Formation.Engine.Os;

/// <summary>
/// What is left of a formation once it has ended: the live (not zombie) processes of the process groups its
/// instances led, and any process that carries its run's marker (<c>FORMATION_ID=…</c>) in its environment.
/// The engine's stop leaves nothing; a host that promises it (Remove-Formation returns only when nothing is
/// left) checks here afterwards, kills what it finds and names what even SIGKILL did not end.
/// </summary>
internal static class Leftovers
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);

    /// <summary>One process that outlived its formation's stop.</summary>
    public readonly record struct LeftProcess(int Pid, int Pgid, string Name)
    {
        public override string ToString() => $"pid {Pid} ({Name})";
    }

    /// <summary>The live processes of the groups, and those carrying the marker (Linux; elsewhere the live group leaders).</summary>
    /// <param name="groups">Process group ids of the formation's instances (each instance leads its own group).</param>
    /// <param name="marker">The run's <see cref="Escapes.MarkerVariable"/> value, or null.</param>
    public static List<LeftProcess> Find(IReadOnlyCollection<int> groups, string? marker)
    {
        var left = new List<LeftProcess>();
        if (!Native.IsLinux)
        {
            foreach (var pgid in groups.Where(g => Native.kill(-g, 0) == 0)) left.Add(new LeftProcess(pgid, pgid, "?"));
            return left;
        }
        var needle = Escapes.MarkerNeedle(marker);
        var self = Environment.ProcessId;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == self) continue;
            if (!ProcessGroups.TryReadStat(dir, out var stat) || stat.State is 'Z' or 'X') continue;
            if (groups.Contains(stat.Pgrp) || (needle is not null && Escapes.HasMarker(dir, needle))) left.Add(new LeftProcess(pid, stat.Pgrp, stat.Comm));
        }
        return left;
    }

    /// <summary>
    /// SIGKILLs what is left (each process, and each group one of them leads) and waits, at most
    /// <paramref name="bound"/>, until it is gone. Returns what was killed and what is still there.
    /// </summary>
    public static async Task<(IReadOnlyList<LeftProcess> Killed, IReadOnlyList<LeftProcess> Survivors)> KillAsync(
        IReadOnlyCollection<int> groups, string? marker, TimeSpan bound, CancellationToken cancellationToken)
    {
        var killed = new SortedDictionary<int, LeftProcess>();
        var deadline = DateTime.UtcNow + bound;
        var left = Find(groups, marker);
        while (left.Count > 0)
        {
            foreach (var p in left)
            {
                killed.TryAdd(p.Pid, p);
                if (p.Pgid == p.Pid) ProcessGroups.Signal(p.Pgid, Signals.Kill);
                ProcessGroups.SignalProcess(p.Pid, Signals.Kill);
            }
            if (DateTime.UtcNow >= deadline) break;
            await Task.Delay(Poll, cancellationToken).ConfigureAwait(false);
            left = Find(groups, marker);
        }
        return ([.. killed.Values], left);
    }
}
