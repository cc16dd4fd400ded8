namespace Formation.Engine.Os;

/// <summary>
/// File descriptors are a budget: each running instance holds two (the read ends of its stdout and stderr
/// pipes) and the manager needs some of its own to handle a signal and stop everything. Without a
/// reserve, instances took the last descriptors and the next SIGTERM aborted the manager ("Out of
/// memory.", exit 134) with the processes left running. So a formation that cannot get every pipe is
/// refused before anything spawns, and a spawn that would eat into the reserve fails that instance alone.
/// </summary>
internal static unsafe class FileDescriptors
{
    /// <summary>Descriptors kept free for the manager's own work (signals, stopping, probes, the watchdog).</summary>
    public const int Reserve = 64;

    /// <summary>Descriptors the manager holds per running instance.</summary>
    public const int PerInstance = 2;

    /// <summary>The soft and hard limits on open descriptors, or null when unknown or unlimited.</summary>
    public static (long Soft, long Hard)? Limit()
    {
        if (OperatingSystem.IsWindows()) return null;
        ulong* limits = stackalloc ulong[2];
        var resource = Native.IsLinux ? Native.RLIMIT_NOFILE_LINUX : Native.RLIMIT_NOFILE_BSD;
        if (Native.getrlimit(resource, limits) != 0 || limits[0] > int.MaxValue) return null;
        return ((long)limits[0], limits[1] > int.MaxValue ? long.MaxValue : (long)limits[1]);
    }

    /// <summary>How many descriptors this process has open (Linux), or null.</summary>
    public static int? OpenCount()
    {
        if (!Native.IsLinux) return null;
        try
        {
            return Directory.EnumerateFileSystemEntries("/proc/self/fd").Count();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Why <paramref name="instances"/> more instances cannot all get their pipes with the reserve kept, or
    /// null when they can (or the limit is unknown).
    /// </summary>
    public static string? CheckRoom(int instances)
    {
        if (instances <= 0 || Limit() is not { } limit || OpenCount() is not { } open) return null;
        // Two more are open for a moment while one instance spawns (the write ends).
        var needed = instances * PerInstance + 2;
        var free = limit.Soft - open - Reserve;
        if (needed <= free) return null;
        var hard = limit.Hard == long.MaxValue ? "unlimited" : limit.Hard.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return $"{instances} instances need {needed} file descriptors for their output pipes, but only {Math.Max(free, 0)} of the " +
               $"limit of {limit.Soft} are free ({open} open, {Reserve} kept for Formation itself). " +
               $"Raise the limit (ulimit -n; the hard limit is {hard}) or run fewer instances (-m).";
    }

    /// <summary>
    /// Whether a descriptor just opened is in the reserve. Descriptors are allocated lowest first, so when
    /// the new one is numbered at or above <c>limit − reserve</c>, at most the reserve is left free.
    /// </summary>
    public static bool InReserve(int fd) => Limit() is { } limit && fd >= limit.Soft - Reserve;

    /// <summary>The refusal for a spawn that would eat into the reserve.</summary>
    public static string ReserveMessage() =>
        $"too many open files: the last {Reserve} of the limit of {Limit()?.Soft} file descriptors are kept for Formation itself; " +
        "raise the limit (ulimit -n) or run fewer instances";
}
