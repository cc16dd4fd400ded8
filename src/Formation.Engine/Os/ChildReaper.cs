using System.Runtime.InteropServices;

namespace Formation.Engine.Os;

/// <summary>
/// Learns of child exits from SIGCHLD, with no polling: on each signal it asks <c>waitpid(WNOHANG)</c>
/// about every watched child. Only watched pids are reaped, so children of other code in the same
/// host (PowerShell's <c>Start-Process</c>) are left to their owners, unless <see cref="BecomeSubreaper"/>
/// made this process the reaper of its orphaned descendants, which a dedicated host (the CLI) does.
/// </summary>
internal static class ChildReaper
{
    private static readonly object Gate = new();
    private static readonly Dictionary<int, Action<WaitStatus>> Watched = new();
    private static PosixSignalRegistration? _registration;
    private static bool _reapAll;

    /// <summary>
    /// Linux: orphaned descendants (a shell's children after the shell was killed, double-forked daemons)
    /// are re-parented to this process instead of PID 1, and are reaped here at once.
    /// </summary>
    public static bool BecomeSubreaper()
    {
        if (!Native.IsLinux) return false;
        lock (Gate)
        {
            if (Native.prctl(Native.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) return false;
            _reapAll = true;
            EnsureRegistered();
        }
        Sweep();
        return true;
    }

    /// <summary>
    /// Holds off reaping until disposed. Spawn and <see cref="Watch"/> inside it, so a child that ends at
    /// once cannot be reaped as an unknown orphan (under <see cref="BecomeSubreaper"/>) before it is watched.
    /// </summary>
    public static Scope HoldReaping()
    {
        Monitor.Enter(Gate);
        return new Scope();
    }

    public readonly struct Scope : IDisposable
    {
        public void Dispose() => Monitor.Exit(Gate);
    }

    /// <summary>Calls <paramref name="onExit"/> once, on a signal-handling thread, when the child ends.</summary>
    public static void Watch(int pid, Action<WaitStatus> onExit)
    {
        WaitStatus? ended = null;
        lock (Gate)
        {
            EnsureRegistered();
            // The child may have ended before it was watched, its SIGCHLD finding nothing to do: ask about
            // this pid alone (the others are asked on every SIGCHLD). Spawning holds the reaping lock until
            // here, so no waitpid(-1) can have taken it.
            var r = Native.waitpid(pid, out var raw, Native.WNOHANG);
            if (r == pid) ended = WaitStatus.FromRaw(raw);
            else if (r < 0 && Marshal.GetLastPInvokeError() == Native.ECHILD) ended = WaitStatus.Unknown;
            else Watched[pid] = onExit;
        }
        if (ended is { } status) onExit(status);
    }

    private static void EnsureRegistered()
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("SIGCHLD exists only on Unix.");
        _registration ??= PosixSignalRegistration.Create(PosixSignal.SIGCHLD, _ => Sweep());
    }

    private static void Sweep()
    {
        List<(Action<WaitStatus> Callback, WaitStatus Status)>? fired = null;
        lock (Gate)
        {
            foreach (var pid in Watched.Keys.ToArray())
            {
                var r = Native.waitpid(pid, out var raw, Native.WNOHANG);
                if (r == 0) continue;
                if (r == pid) Fire(pid, WaitStatus.FromRaw(raw));
                else if (r < 0 && Marshal.GetLastPInvokeError() == Native.ECHILD) Fire(pid, WaitStatus.Unknown);
            }
            while (_reapAll)
            {
                var r = Native.waitpid(-1, out var raw, Native.WNOHANG);
                if (r <= 0) break;
                if (Watched.ContainsKey(r)) Fire(r, WaitStatus.FromRaw(raw));
            }
        }
        if (fired is null) return;
        foreach (var (callback, status) in fired) callback(status);

        void Fire(int pid, WaitStatus status)
        {
            Watched.Remove(pid, out var callback);
            (fired ??= new()).Add((callback!, status));
        }
    }
}
