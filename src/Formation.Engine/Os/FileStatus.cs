using System.Runtime.InteropServices;

namespace Formation.Engine.Os;

/// <summary>What kind of file a path names.</summary>
internal enum FileKind
{
    Missing,
    Regular,
    Directory,
    Fifo,
    CharacterDevice,
    BlockDevice,
    Socket,

    /// <summary>The platform could not tell (not Linux): treated as a regular file.</summary>
    Unknown,
}

/// <summary>
/// The kind and size of a file without opening it (opening a FIFO blocks until a writer comes). .NET
/// reports a FIFO or a device as an ordinary file, so on Linux this asks <c>statx</c>, whose layout is
/// the same on every architecture.
/// </summary>
internal static unsafe class FileStatus
{
    private const int AT_FDCWD = -100;
    private const uint STATX_TYPE = 0x1;
    private const uint STATX_SIZE = 0x200;
    private const int ModeOffset = 28;
    private const int SizeOffset = 40;
    private const int StatxSize = 256;

    public static (FileKind Kind, long Size) Of(string path)
    {
        if (!Native.IsLinux) return Fallback(path);
        byte* buf = stackalloc byte[StatxSize];
        int r;
        try
        {
            r = Native.statx(AT_FDCWD, path, 0, STATX_TYPE | STATX_SIZE, buf);
        }
        catch (EntryPointNotFoundException)
        {
            return Fallback(path);
        }
        if (r != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno is 2 or 20 ? (FileKind.Missing, 0) : (FileKind.Unknown, 0);
        }
        var size = *(long*)(buf + SizeOffset);
        return (KindOf(*(ushort*)(buf + ModeOffset)), size);
    }

    /// <summary>The kind a <c>st_mode</c> / <c>stx_mode</c> says (a symbolic link is <see cref="FileKind.Unknown"/>).</summary>
    internal static FileKind KindOf(int mode) => (mode & 0xF000) switch
    {
        0x8000 => FileKind.Regular,
        0x4000 => FileKind.Directory,
        0x1000 => FileKind.Fifo,
        0x2000 => FileKind.CharacterDevice,
        0x6000 => FileKind.BlockDevice,
        0xC000 => FileKind.Socket,
        _ => FileKind.Unknown,
    };

    /// <summary>"FIFO (named pipe)", "character device" ... for messages.</summary>
    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Fifo => "FIFO (named pipe)",
        FileKind.CharacterDevice => "character device",
        FileKind.BlockDevice => "block device",
        FileKind.Socket => "socket",
        FileKind.Directory => "directory",
        _ => "file",
    };

    private static (FileKind, long) Fallback(string path) =>
        Directory.Exists(path) ? (FileKind.Directory, 0)
        : File.Exists(path) ? (FileKind.Unknown, new FileInfo(path).Length)
        : (FileKind.Missing, 0);
}
