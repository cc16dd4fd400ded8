using System.Runtime.InteropServices;
using System.Text;

namespace Formation.Engine.Os;

/// <summary>
/// Starts <c>/bin/sh -c COMMAND</c> as the leader of a new process group (posix_spawn with
/// POSIX_SPAWN_SETPGROUP, so the group exists before the command runs), stdin from /dev/null,
/// stdout and stderr on pipes, default signal dispositions and an empty signal mask (the .NET runtime
/// ignores SIGPIPE, which a child must not inherit).
/// </summary>
internal static unsafe class ProcessSpawner
{
    public const string Shell = "/bin/sh";

    public static SpawnedChild Spawn(string command, string workingDirectory, IReadOnlyDictionary<string, string> environment)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD())
            throw new PlatformNotSupportedException("Formation runs process groups on Linux and macOS; Windows support is not built yet.");
        if (!Directory.Exists(workingDirectory))
            throw new SpawnException(File.Exists(workingDirectory)
                ? $"working directory '{workingDirectory}' is a file, not a directory"
                : $"working directory '{workingDirectory}' does not exist");
        var probe = CommandProbe.Check(command, workingDirectory, environment);
        if (probe.Problem is { } problem) throw new SpawnException(problem, probe.ExitCode);

        var (outRead, outWrite) = Native.CloexecPipe();
        int errRead, errWrite;
        try
        {
            (errRead, errWrite) = Native.CloexecPipe();
        }
        catch (IOException)
        {
            Native.close(outRead);
            Native.close(outWrite);
            throw;
        }
        try
        {
            // Issue 11.4: the last descriptors are the manager's, to handle a signal and stop everything.
            if (FileDescriptors.InReserve(Math.Max(errRead, errWrite))) throw new SpawnException(FileDescriptors.ReserveMessage());
            // A command that needs nothing from the shell is spawned directly (what 'sh -c "exec cmd"' would end
            // up running, minus a shell start); anything else runs through /bin/sh -c.
            // The probe already found the program on PATH; SplitSimple's first word is the probe's word.
            var argv = probe.Program is null ? null : CommandProbe.SplitSimple(command);
            var pid = argv is not null
                ? SpawnRaw(probe.Program!, argv, environment, workingDirectory, stdin: -1, stdout: outWrite, stderr: errWrite)
                : SpawnRaw(Shell, ["sh", "-c", CommandProbe.CanExec(command) ? "exec " + command : command], environment, workingDirectory,
                    stdin: -1, stdout: outWrite, stderr: errWrite);
            return new SpawnedChild(pid, outRead, errRead);
        }
        catch
        {
            Native.close(outRead);
            Native.close(errRead);
            throw;
        }
        finally
        {
            Native.close(outWrite);
            Native.close(errWrite);
        }
    }

    /// <summary>
    /// posix_spawn of <paramref name="program"/> with <paramref name="argv"/> in a new process group, default
    /// signal dispositions and an empty mask. A descriptor of -1 means /dev/null.
    /// </summary>
    internal static int SpawnRaw(string program, string[] argv, IReadOnlyDictionary<string, string> environment, string workingDirectory, int stdin, int stdout, int stderr)
    {
        var attr = NativeMemory.AllocZeroed(Native.OpaqueSize);
        var actions = NativeMemory.AllocZeroed(Native.OpaqueSize);
        var sigdefault = NativeMemory.AllocZeroed(Native.OpaqueSize);
        var sigmask = NativeMemory.AllocZeroed(Native.OpaqueSize);
        var strings = new List<nint>();
        try
        {
            Check(Native.posix_spawnattr_init(attr), "posix_spawnattr_init");
            Check(Native.posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
            Native.sigemptyset(sigmask);
            Native.sigemptyset(sigdefault);
            foreach (var sig in DefaultedSignals) Native.sigaddset(sigdefault, sig);
            Check(Native.posix_spawnattr_setsigdefault(attr, sigdefault), "posix_spawnattr_setsigdefault");
            Check(Native.posix_spawnattr_setsigmask(attr, sigmask), "posix_spawnattr_setsigmask");
            Check(Native.posix_spawnattr_setpgroup(attr, 0), "posix_spawnattr_setpgroup");
            Check(Native.posix_spawnattr_setflags(attr,
                Native.POSIX_SPAWN_SETPGROUP | Native.POSIX_SPAWN_SETSIGDEF | Native.POSIX_SPAWN_SETSIGMASK), "posix_spawnattr_setflags");

            var devNull = Utf8("/dev/null", strings);
            Redirect(0, stdin, 0);
            Redirect(1, stdout, 1);
            Redirect(2, stderr, 1);
            Check(Native.posix_spawn_file_actions_addchdir_np(actions, Utf8(workingDirectory, strings)), "addchdir");

            var args = (byte**)NativeMemory.Alloc((nuint)(argv.Length + 1), (nuint)sizeof(byte*));
            strings.Add((nint)args);
            for (var a = 0; a < argv.Length; a++) args[a] = Utf8(argv[a], strings);
            args[argv.Length] = null;
            var envp = (byte**)NativeMemory.Alloc((nuint)(environment.Count + 1), (nuint)sizeof(byte*));
            strings.Add((nint)envp);
            var i = 0;
            foreach (var (k, v) in environment) envp[i++] = Utf8($"{k}={v}", strings);
            envp[i] = null;

            var rc = Native.posix_spawn(out var pid, Utf8(program, strings), actions, attr, args, envp);
            if (rc != 0) throw new SpawnException($"cannot start {program}: {Native.ErrorText(rc)}", rc is 13 or 8 ? SpawnException.NotExecutable : SpawnException.NotFound); // EACCES, ENOEXEC
            return pid;

            void Redirect(int target, int fd, int nullFlags)
            {
                if (fd < 0) Check(Native.posix_spawn_file_actions_addopen(actions, target, devNull, nullFlags, 0), "addopen");
                else Check(Native.posix_spawn_file_actions_adddup2(actions, fd, target), "adddup2");
            }
        }
        finally
        {
            Native.posix_spawn_file_actions_destroy(actions);
            Native.posix_spawnattr_destroy(attr);
            NativeMemory.Free(attr);
            NativeMemory.Free(actions);
            NativeMemory.Free(sigdefault);
            NativeMemory.Free(sigmask);
            foreach (var p in strings) NativeMemory.Free((void*)p);
        }
    }

    /// <summary>Every catchable signal: the child gets default dispositions for them all.</summary>
    private static readonly int[] DefaultedSignals =
        Enumerable.Range(1, 31).Where(s => s != Signals.Kill && s != Signals.Number("STOP")).ToArray();

    private static void Check(int rc, string what)
    {
        if (rc != 0) throw new SpawnException($"{what} failed: {Native.ErrorText(rc)}");
    }

    private static byte* Utf8(string s, List<nint> owned)
    {
        var count = Encoding.UTF8.GetByteCount(s);
        var p = (byte*)NativeMemory.Alloc((nuint)count + 1);
        Encoding.UTF8.GetBytes(s, new Span<byte>(p, count));
        p[count] = 0;
        owned.Add((nint)p);
        return p;
    }
}
