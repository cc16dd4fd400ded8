using System.Globalization;
using System.Text;

namespace Formation.Engine.Os;

/// <summary>
/// Containment when the manager itself dies (SIGKILL, a crash): a small /bin/sh watchdog, in a process
/// group of its own and ignoring INT, TERM, HUP and QUIT, reads lines on a pipe whose only writer is this
/// process: <c>+pgid</c> / <c>-pgid</c> for the process groups, <c>mMARKER</c> / <c>uMARKER</c> for each running
/// formation's <see cref="Escapes.MarkerVariable"/> value. When the pipe reaches end of file (this process is
/// gone, however it ended), it sends SIGTERM to every process group still recorded and to every process whose
/// environment carries a recorded marker (daemons that left their group with setsid, issue 19.8: what the
/// normal stop finds by the same marker) and the groups they lead; one second later, SIGKILL to the groups and
/// to the marked processes found then. It blocks in <c>read</c>, so it costs no CPU, and it carries no
/// environment but PATH (so it never carries a marker itself).
/// </summary>
internal static class Watchdog
{
    private const string Script = """
        trap '' INT TERM HUP QUIT
        groups= markers=
        while IFS= read -r line; do
          case $line in
            +*) groups="$groups ${line#+}" ;;
            -*) gone=${line#-}; kept=; for g in $groups; do [ "$g" = "$gone" ] || kept="$kept $g"; done; groups=$kept ;;
            m*) markers="$markers ${line#m}" ;;
            u*) gone=${line#u}; kept=; for m in $markers; do [ "$m" = "$gone" ] || kept="$kept $m"; done; markers=$kept ;;
          esac
        done
        [ -n "$groups$markers" ] || exit 0
        marked() {
          [ -n "$markers" ] || return 0
          set --
          for m in $markers; do set -- "$@" -e "FORMATION_ID=$m"; done
          for f in $(grep -l -z -x -F "$@" /proc/[0-9]*/environ 2>/dev/null); do p=${f#/proc/}; echo "${p%/environ}"; done
        }
        for g in $groups; do kill -TERM -"$g" 2>/dev/null; done
        for p in $(marked); do kill -TERM -"$p" 2>/dev/null; kill -TERM "$p" 2>/dev/null; done
        sleep 1
        for g in $groups; do kill -KILL -"$g" 2>/dev/null; done
        for p in $(marked); do kill -KILL -"$p" 2>/dev/null; kill -KILL "$p" 2>/dev/null; done
        """;

    private static readonly object Gate = new();
    private static readonly HashSet<int> Groups = [];
    private static readonly HashSet<int> Lingering = [];
    private static readonly HashSet<string> Markers = new(StringComparer.Ordinal);
    private static Stream? _pipe;
    private static bool _failed;

    /// <summary>The watchdog's pid, once started.</summary>
    public static int? Pid { get; private set; }

    /// <summary>
    /// Records a process group, to be killed if this process dies without stopping it, and the marker of the
    /// formation it belongs to (its <see cref="Escapes.MarkerVariable"/>), kept until <see cref="ForgetMarker"/>.
    /// </summary>
    public static void Add(int pgid, string? marker = null)
    {
        lock (Gate)
        {
            Groups.Add(pgid);
            var text = new StringBuilder().Append('+').Append(pgid.ToString(CultureInfo.InvariantCulture)).Append('\n');
            if (marker is not null && IsMarker(marker) && Markers.Add(marker)) text.Append('m').Append(marker).Append('\n');
            Send(text);
        }
    }

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
        lock (Gate)
        {
            Groups.Remove(pgid);
            Send(new StringBuilder().Append('-').Append(pgid.ToString(CultureInfo.InvariantCulture)).Append('\n'));
        }
    }

    /// <summary>Forgets a formation's marker: the formation has ended and its escapes were stopped.</summary>
    public static void ForgetMarker(string marker)
    {
        lock (Gate)
        {
            if (Markers.Remove(marker)) Send(new StringBuilder().Append('u').Append(marker).Append('\n'));
        }
    }

    /// <summary>The groups recorded in the watchdog (what it would kill if this process died now).</summary>
    internal static IReadOnlyCollection<int> Recorded
    {
        get { lock (Gate) return Groups.ToArray(); }
    }

    /// <summary>The markers recorded in the watchdog (whose processes it would kill if this process died now).</summary>
    internal static IReadOnlyCollection<string> RecordedMarkers
    {
        get { lock (Gate) return Markers.ToArray(); }
    }

    /// <summary>A marker is one word the script can pass to grep unchanged (<c>pid-guid</c>).</summary>
    private static bool IsMarker(string marker) => marker.Length is > 0 and <= 128 && marker.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    /// <summary>Writes the lines (with lines forgetting lingering groups that are gone now). Holds <see cref="Gate"/>.</summary>
    private static void Send(StringBuilder text)
    {
        if (_failed || (_pipe is null && !TryStart())) return;
        try
        {
            // Groups kept while alive are forgotten once they are gone (kill(-pgid, 0) says so cheaply).
            Lingering.RemoveWhere(g =>
            {
                if (Groups.Contains(g) && Native.kill(-g, 0) == 0) return false;
                if (Groups.Remove(g)) text.Append('-').Append(g.ToString(CultureInfo.InvariantCulture)).Append('\n');
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
