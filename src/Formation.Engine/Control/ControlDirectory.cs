using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Formation.Engine.Control;

/// <summary>
/// The per-user directory that holds one endpoint per running formation: <c>$XDG_RUNTIME_DIR/formation</c>,
/// else <c>formation-UID</c> under the temp path. It must be a real directory (not a link), owned by this
/// user, mode 0700: anything else is refused, never trusted. Each formation has <c>NAME.sock</c> (the
/// socket, 0600) and <c>NAME.lock</c> (held with an exclusive lock for the owner's lifetime, so a dead
/// owner is detected by the kernel, not guessed from a pid).
/// </summary>
public static partial class ControlDirectory
{
    public const string SocketExtension = ".sock";
    public const string LockExtension = ".lock";

    /// <summary>sun_path holds 108 bytes with its terminating zero.</summary>
    private const int MaxSocketPath = 107;

    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>The directory for this user (it may not exist yet).</summary>
    public static string DefaultPath
    {
        get
        {
            var runtime = System.Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
            return !string.IsNullOrEmpty(runtime) && Path.IsPathFullyQualified(runtime)
                ? Path.Combine(runtime, "formation")
                : Path.Combine(Path.GetTempPath(), $"formation-{PeerCredentials.CurrentUid}");
        }
    }

    /// <summary>The socket path of a formation's endpoint.</summary>
    public static string SocketPath(string name, string? directory = null) => Path.Combine(directory ?? DefaultPath, FileStem(name, directory ?? DefaultPath) + SocketExtension);

    internal static string LockPath(string socketPath) => Path.ChangeExtension(socketPath, LockExtension);

    /// <summary>The socket paths present in the directory (live or stale), or none when it does not exist.</summary>
    /// <exception cref="FormationException">The directory is not this user's private directory.</exception>
    public static IReadOnlyList<string> Sockets(string? directory = null)
    {
        var dir = directory ?? DefaultPath;
        if (!Directory.Exists(dir)) return [];
        Verify(dir);
        return Directory.GetFiles(dir, "*" + SocketExtension).Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>Creates the directory (0700) when missing and checks it is this user's and private.</summary>
    /// <exception cref="FormationException">It is a link, another user's, or cannot be made private.</exception>
    internal static string Ensure(string? directory = null)
    {
        var dir = directory ?? DefaultPath;
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("The control directory is built for Linux.");
        if (!Directory.Exists(dir)) Directory.CreateDirectory(dir, Private);
        Verify(dir);
        return dir;
    }

    private static void Verify(string dir)
    {
        if (!OperatingSystem.IsLinux()) return;
        var (uid, mode, isDirectory) = Stat(dir);
        if (!isDirectory)
            throw new FormationException($"The control directory '{dir}' is not a directory (a link or a file): remove it, or set XDG_RUNTIME_DIR.");
        if (uid != PeerCredentials.CurrentUid)
            throw new FormationException($"The control directory '{dir}' belongs to uid {uid}, not to you (uid {PeerCredentials.CurrentUid}): remove it, or set XDG_RUNTIME_DIR.");
        if ((mode & 0x1FF) != 0x1C0) File.SetUnixFileMode(dir, Private);
    }

    /// <summary>
    /// A file name for a formation name: letters, digits, <c>-</c> and <c>_</c> as they are, every other
    /// character as <c>%XX</c> (so two names never share a file); names too long for a socket path are
    /// shortened with a hash.
    /// </summary>
    internal static string FileStem(string name, string directory)
    {
        var stem = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(name))
        {
            if (char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'_') stem.Append((char)b);
            else stem.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        var room = MaxSocketPath - Encoding.UTF8.GetByteCount(directory) - 1 - SocketExtension.Length;
        if (Encoding.UTF8.GetByteCount(stem.ToString()) <= room) return stem.ToString();
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..16].ToLowerInvariant();
        var keep = Math.Max(0, room - hash.Length - 1);
        if (keep == 0 && room < hash.Length)
            throw new FormationException($"The control directory '{directory}' is too deep for a socket path: set XDG_RUNTIME_DIR to a shorter one.");
        return stem.ToString()[..Math.Min(keep, stem.Length)] + "~" + hash;
    }

    /// <summary>Owner, mode and type of a path without following a link (statx: one layout on every architecture).</summary>
    private static unsafe (uint Uid, int Mode, bool IsDirectory) Stat(string path)
    {
        const int AtFdCwd = -100, AtSymlinkNoFollow = 0x100, StatxType = 0x1, StatxMode = 0x2, StatxUid = 0x8;
        var buffer = stackalloc byte[256];
        if (statx(AtFdCwd, path, AtSymlinkNoFollow, StatxType | StatxMode | StatxUid, buffer) != 0)
            throw new FormationException($"Cannot inspect the control directory '{path}': {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}.");
        var uid = *(uint*)(buffer + 20);
        var mode = *(ushort*)(buffer + 28);
        return (uid, mode & 0xFFF, (mode & 0xF000) == 0x4000);
    }

    /// <summary>
    /// Whether the open file is still the one at <paramref name="path"/> (same inode): a lock taken on a file
    /// that its owner deleted in the meantime is a lock on nothing.
    /// </summary>
    internal static unsafe bool IsSameFile(Microsoft.Win32.SafeHandles.SafeFileHandle handle, string path)
    {
        const int AtFdCwd = -100, AtEmptyPath = 0x1000, StatxIno = 0x100;
        var open = stackalloc byte[256];
        var named = stackalloc byte[256];
        if (statx((int)handle.DangerousGetHandle(), "", AtEmptyPath, StatxIno, open) != 0) return false;
        if (statx(AtFdCwd, path, 0, StatxIno, named) != 0) return false;
        return *(ulong*)(open + 32) == *(ulong*)(named + 32) && *(uint*)(open + 136) == *(uint*)(named + 136) && *(uint*)(open + 140) == *(uint*)(named + 140);
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int statx(int dirfd, string path, int flags, int mask, byte* buffer);
}
