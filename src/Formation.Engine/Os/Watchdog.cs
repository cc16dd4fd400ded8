using System.Globalization;
using System.Text;

namespace Formation.Engine.Os;

/// <summary>
/// Containment when the manager itself dies (SIGKILL, a crash): a small /bin/sh watchdog, in a process
/// group of its own and ignoring INT, TERM, HUP and QUIT, reads <c>+pgid</c> / <c>-pgid</c> lines on a pipe
/// whose only writer is this process. When the pipe reaches end of file (this process is gone, however
/// it ended), it sends SIGTERM to every process group still recorded and SIGKILL one second later. It
/// blocks in <c>read</c>, so it costs no CPU, and it carries no environment but PATH.
/// </summary>
internal static class Watchdog
{
    private const string Script = """
        trap '' INT TERM HUP QUIT
        groups=
        while IFS= read -r line; do
          case $line in
            +*) groups="$groups ${line#+}" ;;
            -*) gone=${line#-}; kept=; for g in $groups; do [ "$g" = "$gone" ] || kept="$kept $g"; done; groups=$kept ;;
          esac
        done
        [ -n "$groups" ] || exit 0
        for g in $groups; do kill -TERM -"$g" 2>/dev/null; done
        sleep 1
        for g in $groups; do kill -KILL -"$g" 2>/dev/null; done
        """;

    private static readonly object Gate = new();
    private static readonly HashSet<int> Groups = [];
    private static readonly HashSet<int> Lingering = [];
    private static Stream? _pipe;
    private static bool _failed;

    /// <summary>The watchdog's pid, once started.</summary>
    public static int? Pid { get; private set; }

    /// <summary>Records a process group, to be killed if this process dies without stopping it.</summary>
    public static void Add(int pgid) => Send('+', pgid);

    /// <summary>
    /// Forgets a process group that is gone. A group still alive is kept (issue 11.1: a stop that failed
    /// or gave up must not leave a live group uncontained) and forgotten on a later call once it is gone.
    /// </summary>
    public static void Remove(int pgid)
    {
        if (ProcessGroups.IsAlive(pgid))
        {
            lock (Gate) Lingering.Add(pgid);
            return;
        }
        Send('-', pgid);
    }

    /// <summary>The groups recorded in the watchdog (what it would kill if this process died now).</summary>
    internal static IReadOnlyCollection<int> Recorded
    {
        get { lock (Gate) return Groups.ToArray(); }
    }

    private static void Send(char op, int pgid)
    {
        lock (Gate)
        {
            if (op == '+') Groups.Add(pgid);
            else Groups.Remove(pgid);
            if (_failed || (_pipe is null && !TryStart())) return;
            try
            {
                var text = new StringBuilder().Append(op).Append(pgid.ToString(CultureInfo.InvariantCulture)).Append('\n');
                // Groups kept while alive are forgotten once they are gone (kill(-pgid, 0) says so cheaply).
                Lingering.RemoveWhere(g =>
                {
                    if (g == pgid || Native.kill(-g, 0) == 0) return g == pgid;
                    Groups.Remove(g);
                    text.Append('-').Append(g.ToString(CultureInfo.InvariantCulture)).Append('\n');
                    return true;
                });
                _pipe!.Write(Encoding.ASCII.GetBytes(text.ToString()));
            }
            catch (IOException)
            {
                // The watchdog is gone (someone killed it): carry on without it rather than fail the formation.
                _failed = true;
            }
        }
    }

    private static bool TryStart()
    {
        var (read, write) = Native.CloexecPipe();
        try
        {
            var env = new Dictionary<string, string> { ["PATH"] = "/usr/local/bin:/usr/bin:/bin" };
            Pid = ProcessSpawner.SpawnRaw(ProcessSpawner.Shell, ["sh", "-c", Script], env, "/", stdin: read, stdout: -1, stderr: -1);
            _pipe = SpawnedChild.OpenStream(write, FileAccess.Write);
            return true;
        }
        catch (Exception ex) when (ex is SpawnException or IOException)
        {
            Native.close(write);
            _failed = true;
            return false;
        }
        finally
        {
            Native.close(read);
        }
    }
}
