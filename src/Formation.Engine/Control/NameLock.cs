using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Formation.Engine.Control;

/// <summary>
/// A formation's claim on its name: <c>NAME.lock</c> in the control directory, held with an exclusive
/// <c>flock</c> for the owner's lifetime (the kernel releases it when the owner dies, however it dies) and
/// holding the owner's pid and the name. The file is opened without following a link and must be a plain
/// file of this user with one name: a link, a FIFO or a hard link planted there is refused, never written.
/// </summary>
internal sealed class NameLock : IDisposable
{
    private readonly SafeFileHandle _handle;

    private NameLock(SafeFileHandle handle, string path)
    {
        _handle = handle;
        Path = path;
    }

    public string Path { get; }

    /// <summary>
    /// Takes the name's lock and records our pid and the name in it. The owner deletes the file when it ends;
    /// a lock won on a file deleted meanwhile is dropped and taken again on the new file, so two owners never
    /// hold the same name.
    /// </summary>
    /// <exception cref="FormationNameTakenException">A live owner holds the name.</exception>
    /// <exception cref="FormationException">The lock file is a link, another user's, or not a plain file.</exception>
    public static NameLock Claim(string name, string lockPath)
    {
        while (true)
        {
            var handle = ControlFiles.OpenNoFollow(lockPath, create: true)!;
            try
            {
                Check(handle, lockPath);
                if (!ControlFiles.TryLock(handle))
                    throw new FormationNameTakenException($"A formation named '{name}' is already running. " +
                        $"Stop it first ('formation stop --name {name}'), or give the new one another name with --name.");
                if (ControlFiles.IsSameFile(handle, lockPath))
                {
                    RandomAccess.SetLength(handle, 0);
                    RandomAccess.Write(handle, Encoding.UTF8.GetBytes($"{Environment.ProcessId}\n{name}\n"), 0);
                    return new NameLock(handle, lockPath);
                }
            }
            catch
            {
                handle.Dispose();
                throw;
            }
            handle.Dispose();
        }
    }

    /// <summary>
    /// Removes the endpoint at <paramref name="socketPath"/> if its owner is gone (its lock can be taken), and
    /// says what the owner's lock file recorded; null when a live owner holds the name, or the lock file is not
    /// one Formation could have written (then nothing is removed).
    /// </summary>
    public static GoneFormation? RemoveIfAbandoned(string socketPath)
    {
        var lockPath = ControlDirectory.LockPath(socketPath);
        SafeFileHandle? probe;
        try
        {
            probe = ControlFiles.OpenNoFollow(lockPath, create: false);
        }
        catch (FormationException)
        {
            return null;
        }
        if (probe is null)
        {
            File.Delete(socketPath); // an owner that never wrote its lock: nothing holds the name
            return new GoneFormation(null, null, socketPath);
        }
        using (probe)
        {
            try
            {
                Check(probe, lockPath);
            }
            catch (FormationException)
            {
                return null;
            }
            if (!ControlFiles.TryLock(probe) || !ControlFiles.IsSameFile(probe, lockPath)) return null;
            var (pid, name) = Record(probe);
            File.Delete(socketPath);
            File.Delete(lockPath);
            return new GoneFormation(name, pid, socketPath);
        }
    }

    /// <summary>The pid the owner recorded, read without taking the lock; null when unknown.</summary>
    public static int? OwnerOf(string socketPath)
    {
        try
        {
            using var handle = ControlFiles.OpenNoFollow(ControlDirectory.LockPath(socketPath), create: false);
            return handle is null ? null : Record(handle).Pid;
        }
        catch (Exception ex) when (ex is FormationException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>Deletes the file while still holding its lock, then lets go (see <see cref="Claim"/>).</summary>
    public void Dispose()
    {
        try
        {
            if (!_handle.IsClosed && ControlFiles.IsSameFile(_handle, Path)) File.Delete(Path);
        }
        catch (IOException)
        {
        }
        _handle.Dispose();
    }

    private static void Check(SafeFileHandle handle, string path)
    {
        var facts = ControlFiles.Stat(handle);
        if (facts.Uid != PeerCredentials.CurrentUid)
            throw new FormationException($"'{path}' belongs to uid {facts.Uid}, not to you (uid {PeerCredentials.CurrentUid}): someone else put it in your control directory. Remove it, then try again.");
        if (!facts.IsRegular || facts.Links != 1)
            throw new FormationException($"'{path}' is not a plain file of its own (a FIFO, a device or a hard link): Formation did not make it. Remove it, then try again.");
    }

    private static (int? Pid, string? Name) Record(SafeFileHandle handle)
    {
        var buffer = new byte[512];
        var read = RandomAccess.Read(handle, buffer, 0);
        var lines = Encoding.UTF8.GetString(buffer, 0, read).Split('\n');
        int? pid = int.TryParse(lines[0], out var p) ? p : null;
        return (pid, lines.Length > 1 && lines[1].Length > 0 ? lines[1] : null);
    }
}
