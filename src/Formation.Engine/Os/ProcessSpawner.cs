using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Formation.Engine.Os;

/// <summary>A command that could not be started, with the reason a person can act on.</summary>
public sealed class SpawnException(string reason) : Exception(reason);

/// <summary>A started child: the leader of its own process group, with the read ends of its output pipes.</summary>
internal sealed class SpawnedChild(int pid, int stdout, int stderr)
{
    /// <summary>The child's pid, which is also its process group id.</summary>
    public int Pid { get; } = pid;

    /// <summary>Read end of the stdout pipe (close-on-exec); the reader owns it.</summary>
    public int StdOut { get; } = stdout;

    /// <summary>Read end of the stderr pipe (close-on-exec); the reader owns it.</summary>
    public int StdErr { get; } = stderr;

    /// <summary>A blocking stream over a pipe's read end, for platforms without epoll.</summary>
    public static Stream OpenStream(int fd) =>
        new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Read, bufferSize: 0);
}

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
            throw new SpawnException($"working directory '{workingDirectory}' does not exist");
        if (CommandProbe.Check(command, workingDirectory, environment) is { } problem)
            throw new SpawnException(problem);

        var (outRead, outWrite) = Native.CloexecPipe();
        var (errRead, errWrite) = Native.CloexecPipe();
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
            for (var sig = 1; sig < 32; sig++)
                if (sig != Signals.Kill && sig != Signals.Number("STOP")) Native.sigaddset(sigdefault, sig);
            Check(Native.posix_spawnattr_setsigdefault(attr, sigdefault), "posix_spawnattr_setsigdefault");
            Check(Native.posix_spawnattr_setsigmask(attr, sigmask), "posix_spawnattr_setsigmask");
            Check(Native.posix_spawnattr_setpgroup(attr, 0), "posix_spawnattr_setpgroup");
            Check(Native.posix_spawnattr_setflags(attr,
                Native.POSIX_SPAWN_SETPGROUP | Native.POSIX_SPAWN_SETSIGDEF | Native.POSIX_SPAWN_SETSIGMASK), "posix_spawnattr_setflags");

            Check(Native.posix_spawn_file_actions_addopen(actions, 0, Utf8("/dev/null", strings), 0, 0), "addopen");
            Check(Native.posix_spawn_file_actions_adddup2(actions, outWrite, 1), "adddup2");
            Check(Native.posix_spawn_file_actions_adddup2(actions, errWrite, 2), "adddup2");
            Check(Native.posix_spawn_file_actions_addchdir_np(actions, Utf8(workingDirectory, strings)), "addchdir");

            var argv = stackalloc byte*[4];
            argv[0] = Utf8("sh", strings);
            argv[1] = Utf8("-c", strings);
            argv[2] = Utf8(CommandProbe.CanExec(command) ? "exec " + command : command, strings);
            argv[3] = null;
            var envp = (byte**)NativeMemory.Alloc((nuint)(environment.Count + 1), (nuint)sizeof(byte*));
            strings.Add((nint)envp);
            var i = 0;
            foreach (var (k, v) in environment) envp[i++] = Utf8($"{k}={v}", strings);
            envp[i] = null;

            var rc = Native.posix_spawn(out var pid, Utf8(Shell, strings), actions, attr, argv, envp);
            if (rc != 0)
            {
                Native.close(outRead);
                Native.close(errRead);
                throw new SpawnException($"cannot start {Shell}: {Native.ErrorText(rc)}");
            }
            return new SpawnedChild(pid, outRead, errRead);
        }
        finally
        {
            Native.close(outWrite);
            Native.close(errWrite);
            Native.posix_spawn_file_actions_destroy(actions);
            Native.posix_spawnattr_destroy(attr);
            NativeMemory.Free(attr);
            NativeMemory.Free(actions);
            NativeMemory.Free(sigdefault);
            NativeMemory.Free(sigmask);
            foreach (var p in strings) NativeMemory.Free((void*)p);
        }
    }

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
