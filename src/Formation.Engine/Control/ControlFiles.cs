using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Formation.Engine.Control;

/// <summary>The owner, kind and identity of a file, read without following a link.</summary>
internal readonly record struct FileFacts(uint Uid, int Mode, uint Links, ulong Inode, uint DeviceMajor, uint DeviceMinor)
{
    public bool IsDirectory => (Mode & 0xF000) == 0x4000;
    public bool IsRegular => (Mode & 0xF000) == 0x8000;
    public bool IsLink => (Mode & 0xF000) == 0xA000;
    public bool IsSocket => (Mode & 0xF000) == 0xC000;

    /// <summary>The permission bits (0700 and the like).</summary>
    public int Permissions => Mode & 0xFFF;

    public bool SameFileAs(FileFacts other) => Inode == other.Inode && DeviceMajor == other.DeviceMajor && DeviceMinor == other.DeviceMinor;
}

/// <summary>
/// The system calls the control directory needs that .NET has no API for: <c>statx</c> without following a
/// link (one layout on every architecture), <c>open</c> with <c>O_NOFOLLOW</c> (a link planted where a lock
/// file belongs is refused, never followed), <c>flock</c> on such a descriptor, and a cheap count of open descriptors.
/// </summary>
internal static unsafe partial class ControlFiles
{
    private const int AtFdCwd = -100, AtSymlinkNoFollow = 0x100, AtEmptyPath = 0x1000;
    private const int StatxBasic = 0x7FF;
    private const int ORdWr = 2, OCreat = 0x40, ONonBlock = 0x800, OCloExec = 0x80000;
    private const int LockExclusive = 2, LockNoWait = 4;
    private const int ELoop = 40, EWouldBlock = 11, ENoEnt = 2;

    private static int ONoFollow => Os.Native.O_NOFOLLOW_LINUX;

    /// <summary>The facts of the path itself (a link is described, not followed); null when it does not exist.</summary>
    public static FileFacts? Stat(string path)
    {
        var buffer = stackalloc byte[256];
        if (statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasic, buffer) == 0) return Read(buffer);
        var errno = Marshal.GetLastPInvokeError();
        if (errno is ENoEnt or 20) return null;
        throw new IOException($"Cannot inspect '{path}': {Marshal.GetPInvokeErrorMessage(errno)}.");
    }

    /// <summary>The facts of an open file.</summary>
    public static FileFacts Stat(SafeFileHandle handle)
    {
        var buffer = stackalloc byte[256];
        if (statx((int)handle.DangerousGetHandle(), "", AtEmptyPath, StatxBasic, buffer) != 0)
            throw new IOException($"Cannot inspect an open file: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}.");
        return Read(buffer);
    }

    /// <summary>Whether the open file is still the one at <paramref name="path"/> (a lock on a file deleted meanwhile is a lock on nothing).</summary>
    public static bool IsSameFile(SafeFileHandle handle, string path) => Stat(path) is { } named && Stat(handle).SameFileAs(named);

    /// <summary>
    /// Opens a file for reading and writing (creating it 0600 when <paramref name="create"/>) without following a
    /// link and without blocking on a FIFO; null when it does not exist and is not to be created.
    /// </summary>
    /// <exception cref="FormationException">It is a link, or cannot be opened.</exception>
    public static SafeFileHandle? OpenNoFollow(string path, bool create)
    {
        var fd = open(path, ORdWr | ONoFollow | ONonBlock | OCloExec | (create ? OCreat : 0), 0x180);
        if (fd >= 0) return new SafeFileHandle(fd, ownsHandle: true);
        var errno = Marshal.GetLastPInvokeError();
        return errno switch
        {
            ENoEnt when !create => null,
            ELoop => throw new FormationException($"'{path}' is a symbolic link: Formation never follows a link in its control directory. Remove it, then try again."),
            _ => throw new FormationException($"Cannot open '{path}': {Marshal.GetPInvokeErrorMessage(errno)}."),
        };
    }

    /// <summary>Takes an exclusive lock without waiting; false when another process holds one.</summary>
    public static bool TryLock(SafeFileHandle handle)
    {
        if (flock((int)handle.DangerousGetHandle(), LockExclusive | LockNoWait) == 0) return true;
        var errno = Marshal.GetLastPInvokeError();
        return errno == EWouldBlock ? false : throw new IOException($"Cannot lock a file: {Marshal.GetPInvokeErrorMessage(errno)}.");
    }

    /// <summary>
    /// How many descriptors this process has open: the entries of <c>/proc/self/fd</c>, read with <c>readdir</c>
    /// (a system call or two; .NET's enumeration would stat every entry). Null when unknown.
    /// </summary>
    public static int? OpenDescriptors()
    {
        var dir = opendir("/proc/self/fd");
        if (dir == 0) return null;
        var entries = 0;
        while (readdir(dir) != 0) entries++;
        closedir(dir);
        return entries - 3; // '.', '..' and the directory's own descriptor
    }

    private static FileFacts Read(byte* b) =>
        new(*(uint*)(b + 20), *(ushort*)(b + 28), *(uint*)(b + 16), *(ulong*)(b + 32), *(uint*)(b + 136), *(uint*)(b + 140));

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int dirfd, string path, int flags, int mask, byte* buffer);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags, int mode);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int flock(int fd, int operation);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint opendir(string path);

    [LibraryImport("libc")]
    private static partial nint readdir(nint dir);

    [LibraryImport("libc")]
    private static partial int closedir(nint dir);
}
