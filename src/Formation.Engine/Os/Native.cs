using System.Runtime.InteropServices;

namespace Formation.Engine.Os;

/// <summary>libc calls .NET has no API for: process groups, signals, posix_spawn, child reaping.</summary>
internal static unsafe partial class Native
{
    private const string Libc = "libc";

    public const int WNOHANG = 1;
    public const int ECHILD = 10;
    public const int EINTR = 4;
    public const short POSIX_SPAWN_SETPGROUP = 0x02;
    public const short POSIX_SPAWN_SETSIGDEF = 0x04;
    public const short POSIX_SPAWN_SETSIGMASK = 0x08;
    public const int PR_SET_CHILD_SUBREAPER = 36;

    /// <summary>Opaque libc structures are given generous room: glibc's posix_spawnattr_t is 336 bytes.</summary>
    public const int OpaqueSize = 1024;

    [LibraryImport(Libc)] public static partial int posix_spawn(out int pid, byte* path, void* fileActions, void* attr, byte** argv, byte** envp);
    [LibraryImport(Libc)] public static partial int posix_spawnattr_init(void* attr);
    [LibraryImport(Libc)] public static partial int posix_spawnattr_destroy(void* attr);
    [LibraryImport(Libc)] public static partial int posix_spawnattr_setflags(void* attr, short flags);
    [LibraryImport(Libc)] public static partial int posix_spawnattr_setpgroup(void* attr, int pgroup);
    [LibraryImport(Libc)] public static partial int posix_spawnattr_setsigdefault(void* attr, void* sigset);
    [LibraryImport(Libc)] public static partial int posix_spawnattr_setsigmask(void* attr, void* sigset);
    [LibraryImport(Libc)] public static partial int posix_spawn_file_actions_init(void* actions);
    [LibraryImport(Libc)] public static partial int posix_spawn_file_actions_destroy(void* actions);
    [LibraryImport(Libc)] public static partial int posix_spawn_file_actions_adddup2(void* actions, int fd, int newfd);
    [LibraryImport(Libc)] public static partial int posix_spawn_file_actions_addopen(void* actions, int fd, byte* path, int oflag, int mode);
    [LibraryImport(Libc)] public static partial int posix_spawn_file_actions_addchdir_np(void* actions, byte* path);
    [LibraryImport(Libc)] public static partial int sigemptyset(void* set);
    [LibraryImport(Libc)] public static partial int sigaddset(void* set, int signo);

    [LibraryImport(Libc, SetLastError = true)] public static partial int pipe(int* fds);
    [LibraryImport(Libc, SetLastError = true)] public static partial int pipe2(int* fds, int flags);
    [LibraryImport(Libc, SetLastError = true)] public static partial int fcntl(int fd, int cmd, int arg);
    [LibraryImport(Libc, SetLastError = true)] public static partial int close(int fd);
    [LibraryImport(Libc, SetLastError = true)] public static partial int kill(int pid, int sig);
    [LibraryImport(Libc, SetLastError = true)] public static partial int waitpid(int pid, out int status, int options);
    [LibraryImport(Libc, SetLastError = true)] private static partial int waitid(int idtype, int id, byte* info, int options);
    [LibraryImport(Libc, SetLastError = true)] public static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);
    [LibraryImport(Libc, SetLastError = true)] public static partial int epoll_create1(int flags);
    [LibraryImport(Libc, SetLastError = true)] public static partial int epoll_ctl(int epfd, int op, int fd, byte* ev);
    [LibraryImport(Libc, SetLastError = true)] public static partial int epoll_wait(int epfd, byte* events, int maxevents, int timeout);
    [LibraryImport(Libc, SetLastError = true)] public static partial nint read(int fd, byte* buf, nint count);

    // Issue 20: the TCP listeners from the kernel's socket table (netlink sock_diag), not /proc/net/tcp.
    [LibraryImport(Libc, SetLastError = true)] public static partial int socket(int domain, int type, int protocol);
    [LibraryImport(Libc, SetLastError = true)] public static partial nint sendto(int fd, byte* buf, nint length, int flags, byte* address, int addressLength);
    [LibraryImport(Libc, SetLastError = true)] public static partial nint recv(int fd, byte* buf, nint length, int flags);
    [LibraryImport(Libc, SetLastError = true)] public static partial int setsockopt(int fd, int level, int name, void* value, int length);

    // Issue 11: file kinds without opening (a FIFO blocks open), and the descriptor limit.
    [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int statx(int dirfd, string path, int flags, uint mask, byte* buf);
    [LibraryImport(Libc, SetLastError = true)] public static partial int getrlimit(int resource, ulong* limits);

    // Issue 20: /proc files read with one open, read and close (a FileStream adds fstat, flock and a buffer).
    [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags, int mode);

    // Issue 21: the unit of /proc's CPU times.
    [LibraryImport(Libc)] public static partial long sysconf(int name);

    public const int SC_CLK_TCK_LINUX = 2;

    public const int RLIMIT_NOFILE_LINUX = 7;
    public const int RLIMIT_NOFILE_BSD = 8;

    public const int EPOLL_CTL_ADD = 1;
    public const int EPOLL_CTL_DEL = 2;
    public const uint EPOLLIN = 0x001;
    public const int EAGAIN = 11;
    public const int F_GETFL = 3;
    public const int F_SETFL = 4;
    public const int O_NONBLOCK_LINUX = 0x800;

    public static bool IsLinux { get; } = RuntimeInformation.IsOSPlatform(OSPlatform.Linux);

    /// <summary>O_CLOEXEC differs per platform.</summary>
    public static int O_CLOEXEC => IsLinux ? 0x80000 : 0x1000000;

    /// <summary>O_NOFOLLOW on Linux: 0100000 on ARM and PowerPC, 0400000 on x86 and the others.</summary>
    public static int O_NOFOLLOW_LINUX => RuntimeInformation.ProcessArchitecture is
        Architecture.Arm or Architecture.Arm64 or Architecture.Armv6 or Architecture.Ppc64le ? 0x8000 : 0x20000;

    /// <summary>A pipe whose both ends close on exec, so no other child inherits them.</summary>
    public static (int Read, int Write) CloexecPipe()
    {
        int* fds = stackalloc int[2];
        if (IsLinux)
        {
            if (pipe2(fds, O_CLOEXEC) != 0) throw new IOException($"pipe2 failed: {LastError()}");
        }
        else
        {
            if (pipe(fds) != 0) throw new IOException($"pipe failed: {LastError()}");
            const int F_SETFD = 2, FD_CLOEXEC = 1;
            fcntl(fds[0], F_SETFD, FD_CLOEXEC);
            fcntl(fds[1], F_SETFD, FD_CLOEXEC);
        }
        return (fds[0], fds[1]);
    }

    /// <summary>
    /// Linux: the pid of a child that has ended, without reaping it (<c>waitid(P_ALL, WEXITED | WNOHANG | WNOWAIT)</c>);
    /// 0 when none has, -1 on error (no children).
    /// </summary>
    public static int PeekExitedChild()
    {
        const int P_ALL = 0, WEXITED = 4, WNOWAIT = 0x01000000, SiPidOffset = 16;
        var info = stackalloc byte[128];
        new Span<byte>(info, 128).Clear();
        if (waitid(P_ALL, 0, info, WEXITED | WNOHANG | WNOWAIT) != 0) return -1;
        return *(int*)(info + SiPidOffset);
    }

    /// <summary>
    /// Reads a small file (a <c>/proc</c> entry) into <paramref name="buffer"/>: the bytes read, or -1 when it
    /// cannot be opened or read. A longer file is cut at the buffer's length.
    /// </summary>
    public static int ReadSmallFile(string path, Span<byte> buffer)
    {
        const int O_RDONLY = 0;
        var fd = open(path, O_RDONLY | O_CLOEXEC, 0);
        if (fd < 0) return -1;
        try
        {
            var total = 0;
            fixed (byte* start = buffer)
            {
                while (total < buffer.Length)
                {
                    var n = read(fd, start + total, buffer.Length - total);
                    if (n < 0 && Marshal.GetLastPInvokeError() == EINTR) continue;
                    if (n < 0) return -1;
                    if (n == 0) break;
                    total += (int)n;
                }
            }
            return total;
        }
        finally
        {
            close(fd);
        }
    }

    public static string LastError() => Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());

    public static string ErrorText(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}
