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
    private static Stream? _pipe;
    private static bool _failed;

    /// <summary>The watchdog's pid, once started.</summary>
    public static int? Pid { get; private set; }

    /// <summary>Records a process group, to be killed if this process dies without stopping it.</summary>
    public static void Add(int pgid) => Send('+', pgid);

    /// <summary>Forgets a process group that is gone.</summary>
    public static void Remove(int pgid) => Send('-', pgid);

    private static void Send(char op, int pgid)
    {
        lock (Gate)
        {
            if (_failed || (_pipe is null && !TryStart())) return;
            try
            {
                _pipe!.Write(Encoding.ASCII.GetBytes($"{op}{pgid.ToString(CultureInfo.InvariantCulture)}\n"));
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
