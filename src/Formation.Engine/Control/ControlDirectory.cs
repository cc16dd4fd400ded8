using System.Security.Cryptography;
using System.Text;

namespace Formation.Engine.Control;

/// <summary>
/// The per-user directory that holds one endpoint per running formation: <c>$XDG_RUNTIME_DIR/formation</c>,
/// else <c>formation-UID</c> under the temp path. It must be a real directory (not a link), owned by this
/// user, mode 0700: anything else is refused, never trusted; one that others could write into is made
/// private and refused while it holds what they may have put there. Each formation has <c>NAME.sock</c>
/// (the socket, 0600) and <c>NAME.lock</c> (its <see cref="NameLock"/>, so a dead owner is detected by the
/// kernel, not guessed from a pid).
/// </summary>
public static class ControlDirectory
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

    /// <summary>
    /// Checks the directory is a real directory of this user and makes it private (0700). One that others could
    /// write into may hold files planted there: it is made private first (so nothing more can be added), then
    /// searched, and refused while it holds anything that is another user's, a link, or a hard link.
    /// </summary>
    private static void Verify(string dir)
    {
        if (!OperatingSystem.IsLinux()) return;
        if (ControlFiles.Stat(dir) is not { } facts || !facts.IsDirectory)
            throw new FormationException($"The control directory '{dir}' is not a directory (a link or a file): remove it, or set XDG_RUNTIME_DIR.");
        if (facts.Uid != PeerCredentials.CurrentUid)
            throw new FormationException($"The control directory '{dir}' belongs to uid {facts.Uid}, not to you (uid {PeerCredentials.CurrentUid}): remove it, or set XDG_RUNTIME_DIR.");
        if (facts.Permissions == 0x1C0) return;
        File.SetUnixFileMode(dir, Private);
        if ((facts.Permissions & 0x12) == 0) return; // readable by others at most: nothing can have been put there
        var planted = Directory.EnumerateFileSystemEntries(dir)
            .Where(path => ControlFiles.Stat(path) is { } entry && (entry.Uid != PeerCredentials.CurrentUid || entry.IsLink || (entry.IsRegular && entry.Links > 1)))
            .Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        if (planted.Count > 0)
            throw new FormationException($"The control directory '{dir}' was writable by other users (mode {Convert.ToString(facts.Permissions, 8)}) and holds " +
                $"{string.Join(", ", planted.Take(5).Select(n => $"'{n}'"))}{(planted.Count > 5 ? $" and {planted.Count - 5} more" : "")} that you did not make " +
                "(another user's files, links or hard links). It is private (0700) now; remove those, or the whole directory, then try again.");
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
}
