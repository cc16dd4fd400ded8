using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Formation.Engine.Os;

/// <summary>
/// Files a formation writes into folders that others may write to as well (a shared log or output directory,
/// issue 19.7): never through a symbolic link planted there, and never into a file another user owns. An
/// existing path is looked at with <c>lstat</c>; a log file is opened with <c>O_NOFOLLOW</c> and checked by its
/// handle; a whole file is written to a new file (<c>O_EXCL</c>) and renamed over the path, which replaces a
/// link or another user's file instead of writing through it.
/// </summary>
internal static unsafe partial class SafeFiles
{
    private const int AT_FDCWD = -100;
    private const int AT_SYMLINK_NOFOLLOW = 0x100;
    private const int AT_EMPTY_PATH = 0x1000;
    private const uint STATX_TYPE = 0x1, STATX_MODE = 0x2, STATX_UID = 0x8;
    private const int UidOffset = 20, ModeOffset = 28, StatxSize = 256;

    /// <summary>Read and write for the owner only: logs and files that may hold secrets.</summary>
    public const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>What a path is, without following a link at it; its owner.</summary>
    private readonly record struct Entry(FileKind Kind, bool Link, uint Uid);

    /// <summary>
    /// Why this user must not write to <paramref name="path"/>, said of the path (<c>is a symbolic link (to …):
    /// not followed</c>; not a regular file; another user's file unless <paramref name="othersFileReplaced"/>), or
    /// null when it is missing or a regular file of this user.
    /// </summary>
    public static string? Problem(string path, bool othersFileReplaced = false)
    {
        if (!Native.IsLinux) return File.ResolveLinkTarget(path, returnFinalTarget: false) is not null ? LinkProblem(path) : null;
        return Stat(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW) switch
        {
            null or { Kind: FileKind.Missing } => null,
            { Link: true } => LinkProblem(path),
            { Kind: not FileKind.Regular } e => NotRegular(e.Kind),
            { Uid: var uid } when uid != geteuid() && !othersFileReplaced => OthersFile(uid),
            _ => null,
        };
    }

    /// <summary>Whether something (a file, a link, a directory) is at <paramref name="path"/>, without following a link.</summary>
    public static bool Exists(string path) =>
        Native.IsLinux ? Stat(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW) is { Kind: not FileKind.Missing } : File.Exists(path) || File.ResolveLinkTarget(path, false) is not null;

    /// <summary>
    /// Opens <paramref name="path"/> to append to it, creating it with mode 0600. A symbolic link is never
    /// followed (O_NOFOLLOW); a file that is not regular or that another user owns is closed unwritten.
    /// </summary>
    /// <exception cref="IOException">It cannot be opened, or must not be written; the message names the path.</exception>
    public static FileStream OpenAppend(string path)
    {
        if (!Native.IsLinux)
        {
            // open(2) is variadic, which a P/Invoke cannot call on every ABI (Apple's arm64): check, then open.
            if (Problem(path) is { } problem) throw new IOException($"{path} {problem}");
            var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read, BufferSize = 0 };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = Private;
            return new FileStream(path, options);
        }
        var fd = open(path, AppendFlags, 0x180 /* 0600 */);
        if (fd < 0)
        {
            var error = Native.LastError();
            throw new IOException(Problem(path) is { } problem ? $"{path} {problem}" : $"cannot open {path}: {error}");
        }
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            if (Stat(fd, "", AT_EMPTY_PATH) is { } opened)
            {
                if (opened.Kind != FileKind.Regular) throw new IOException($"{path} {NotRegular(opened.Kind)}");
                if (opened.Uid != geteuid()) throw new IOException($"{path} {OthersFile(opened.Uid)}");
            }
            var stream = new FileStream(handle, FileAccess.Write, bufferSize: 0);
            stream.Seek(0, SeekOrigin.End);
            return stream;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes <paramref name="content"/> as the file <paramref name="path"/> with <paramref name="mode"/>: to a new
    /// file beside it (O_EXCL, its mode set through the handle), renamed over the path. Whatever was at the path
    /// (a link, another user's file) is replaced, never written through.
    /// </summary>
    /// <exception cref="IOException">The directory cannot be written to.</exception>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public static void Replace(string path, string content, UnixFileMode mode)
    {
        var temporary = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode }))
            {
                File.SetUnixFileMode(stream.SafeFileHandle, mode); // the umask may have taken bits away
                using var writer = new StreamWriter(stream);
                writer.Write(content);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    private static string LinkProblem(string path) =>
        $"is a symbolic link{(File.ResolveLinkTarget(path, false) is { } target ? $" (to {target.FullName})" : "")}: not followed";

    private static string NotRegular(FileKind kind) => $"is a {FileStatus.Describe(kind)}, not a regular file";

    private static string OthersFile(uint uid) => $"belongs to another user (uid {uid}): not written";

    private static Entry? Stat(int dirfd, string path, int flags)
    {
        byte* buf = stackalloc byte[StatxSize];
        if (Native.statx(dirfd, path, flags, STATX_TYPE | STATX_MODE | STATX_UID, buf) != 0)
            return Marshal.GetLastPInvokeError() is 2 or 20 ? new Entry(FileKind.Missing, false, 0) : null;
        var mode = *(ushort*)(buf + ModeOffset);
        return new Entry(FileStatus.KindOf(mode), (mode & 0xF000) == 0xA000, *(uint*)(buf + UidOffset));
    }

    /// <summary>
    /// Linux: O_WRONLY | O_CREAT | O_APPEND | O_NONBLOCK (a FIFO must not block) | O_CLOEXEC | O_NOFOLLOW, which is
    /// 0400000 on most architectures and 0100000 on ARM and PowerPC.
    /// </summary>
    private static int AppendFlags =>
        0x1 | 0x40 | 0x400 | 0x800 | 0x80000 | Native.O_NOFOLLOW_LINUX;

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags, int mode);

    [LibraryImport("libc")]
    private static partial uint geteuid();
}
