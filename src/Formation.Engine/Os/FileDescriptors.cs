namespace Formation.Engine.Os;

/// <summary>
/// File descriptors are a budget: each running instance holds two (the read ends of its stdout and stderr
/// pipes; the epoll reader, the reaper, the watchdog and the log files hold none per instance), and the
/// manager needs some of its own to handle a signal and stop everything. Without a reserve, instances took the
/// last descriptors and the next SIGTERM aborted the manager ("Out of memory.", exit 134) with the processes
/// left running. So a start or a scale whose instances cannot all get their pipes is refused before anything
/// changes (<see cref="EnsureRoom"/>, the one judgment both use), and a spawn that would eat into the reserve
/// fails that instance alone.
/// </summary>
internal static unsafe class FileDescriptors
{
    /// <summary>Descriptors kept free for the manager's own work (signals, stopping, probes, the watchdog).</summary>
    public const int Reserve = 64;

    /// <summary>Descriptors the manager holds per running instance (measured from /proc/self/fd: its two pipes).</summary>
    public const int PerInstance = 2;

    /// <summary>
    /// Descriptors that come and go while the manager works, kept free besides the reserve: the write ends of a
    /// spawning instance's pipes, the control connection being served, code loaded for a request's first answer.
    /// </summary>
    public const int Transient = 16;

    /// <summary>
    /// What a manager opens once after its formation starts: the epoll reader, the watchdog's pipe, and the code
    /// that serves the first control requests (the JIT-compiled CLI maps each assembly it loads then with two
    /// descriptors). Measured from /proc/PID/fd: 40 to 42 after a start and a ps, logs, restart and scale
    /// (tests/Formation.Cli.Tests/DescriptorLimitTests.cs checks it stays within this).
    /// </summary>
    public const int StartOverhead = 48;

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
    /// Refuses <paramref name="instances"/> more instances when they cannot all get their pipes with the reserve
    /// kept: at the start of a formation (<paramref name="starting"/>, when the manager's own start is still to
    /// come) and when it is scaled up. Nothing has changed when it throws.
    /// </summary>
    /// <exception cref="DescriptorLimitException">The limit on open descriptors is too low; the message says how many fit and what to do.</exception>
    public static void EnsureRoom(int instances, bool starting)
    {
        if (CheckRoom(instances, starting) is { } message) throw new DescriptorLimitException(message);
    }

    /// <summary>Why <paramref name="instances"/> more instances do not fit (see <see cref="EnsureRoom"/>), or null when they do or the limit is unknown.</summary>
    internal static string? CheckRoom(int instances, bool starting)
    {
        if (instances <= 0 || Limit() is not { } limit || OpenCount() is not { } open) return null;
        var later = (starting ? StartOverhead : 0) + Transient;
        var room = limit.Soft - open - later - Reserve;
        var needed = (long)instances * PerInstance;
        if (needed <= room) return null;
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var hard = limit.Hard == long.MaxValue ? "unlimited" : limit.Hard.ToString(inv);
        return string.Create(inv,
            $"{instances} {(starting ? "" : "more ")}instances need {needed} file descriptors ({PerInstance} each, for their output pipes), but the limit " +
            $"of {limit.Soft} leaves room for {Math.Max(room, 0)} ({open} open, {later + Reserve} kept for Formation itself): " +
            $"at most {Math.Max(room, 0) / PerInstance} {(starting ? "" : "more ")}fit. " +
            $"Raise the limit with ulimit -n in the shell that starts the formation (the hard limit is {hard}), or run fewer instances.");
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
