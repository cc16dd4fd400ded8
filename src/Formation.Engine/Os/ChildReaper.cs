using System.Runtime.InteropServices;

namespace Formation.Engine.Os;

/// <summary>
/// Learns of child exits from SIGCHLD, with no polling: on each signal it asks the kernel which children
/// have ended (<c>waitid(WNOWAIT)</c>) and reaps the watched ones with <c>waitpid(WNOHANG)</c>. Only watched pids are reaped, so children of other code in the same
/// host (PowerShell's <c>Start-Process</c>) are left to their owners, unless <see cref="BecomeSubreaper"/>
/// made this process the reaper of its orphaned descendants, which a dedicated host (the CLI) does.
/// </summary>
internal static class ChildReaper
{
    private static readonly object Gate = new();
    private static readonly Dictionary<int, Action<WaitStatus>> Watched = new();
    private static PosixSignalRegistration? _registration;
    private static bool _reapAll;
    private static int _holds;
    private static bool _sweepHeld;

    /// <summary>Whether <see cref="BecomeSubreaper"/> succeeded: every orphaned descendant is now this process's child.</summary>
    public static bool IsSubreaper => Volatile.Read(ref _reapAll);

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
    /// Holds off reaping unknown children until disposed (from any thread). Spawn and <see cref="Watch"/> inside it,
    /// so a child that ends at once cannot be reaped as an unknown orphan (under <see cref="BecomeSubreaper"/>)
    /// before it is watched. Holds are counted, so spawns on several threads hold it together; children already
    /// watched are reaped meanwhile, and the orphans once the last hold is released.
    /// </summary>
    public static Hold HoldReaping()
    {
        lock (Gate) _holds++;
        return new Hold(true);
    }

    /// <summary>A hold on reaping unknown children; <c>default</c> holds nothing.</summary>
    public readonly struct Hold(bool held) : IDisposable
    {
        public void Dispose()
        {
            if (!held) return;
            bool sweep;
            lock (Gate)
            {
                sweep = --_holds == 0 && _sweepHeld;
                if (sweep) _sweepHeld = false;
            }
            if (sweep) Sweep();
        }
    }

    /// <summary>Calls <paramref name="onExit"/> once, on a signal-handling thread, when the child ends.</summary>
    public static void Watch(int pid, Action<WaitStatus> onExit)
    {
        WaitStatus? ended = null;
        lock (Gate)
        {
            EnsureRegistered();
            // The child may have ended before it was watched, its SIGCHLD finding nothing to do: ask about
            // this pid alone (the others are asked on every SIGCHLD). Spawning holds reaping until here, so no
            // waitpid(-1) can have taken it.
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
            // Ask the kernel which children have ended (waitid with WNOWAIT: it reaps nothing), one at a time,
            // rather than asking about each watched pid: one call per exit, not one per watched child.
            var unknown = false;
            var previous = 0;
            while (Native.IsLinux)
            {
                var pid = Native.PeekExitedChild();
                if (pid <= 0) break;
                if (pid == previous)
                {
                    // Not reaped (an error other than ECHILD): ask about each watched pid instead.
                    unknown = true;
                    break;
                }
                previous = pid;
                if (Watched.ContainsKey(pid)) Reap(pid);
                // An orphan (under BecomeSubreaper): reaped, unless a spawn under way may have made it.
                else if (_reapAll && _holds == 0) Native.waitpid(pid, out _, Native.WNOHANG);
                else
                {
                    // Another owner's child (Start-Process in the same pwsh), or one not watched yet: it stays
                    // first in the kernel's answer, so each watched pid is asked about instead.
                    unknown = true;
                    break;
                }
            }
            if (unknown || !Native.IsLinux)
                foreach (var pid in Watched.Keys.ToArray()) Reap(pid);
            // Unknown children wait while a spawn is under way: one of them may be a child not yet watched.
            if (_reapAll && _holds > 0) _sweepHeld = true;
            while (_reapAll && _holds == 0)
            {
                var r = Native.waitpid(-1, out var raw, Native.WNOHANG);
                if (r <= 0) break;
                if (Watched.ContainsKey(r)) Fire(r, WaitStatus.FromRaw(raw));
            }
        }
        if (fired is null) return;
        foreach (var (callback, status) in fired) callback(status);

        void Reap(int pid)
        {
            var r = Native.waitpid(pid, out var raw, Native.WNOHANG);
            if (r == pid) Fire(pid, WaitStatus.FromRaw(raw));
            else if (r < 0 && Marshal.GetLastPInvokeError() == Native.ECHILD) Fire(pid, WaitStatus.Unknown);
        }

        void Fire(int pid, WaitStatus status)
        {
            Watched.Remove(pid, out var callback);
            (fired ??= new()).Add((callback!, status));
        }
    }
}
