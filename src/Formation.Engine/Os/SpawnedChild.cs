using Microsoft.Win32.SafeHandles;

namespace Formation.Engine.Os;

/// <summary>A started child: the leader of its own process group, with the read ends of its output pipes.</summary>
internal sealed class SpawnedChild(int pid, int stdout, int stderr)
{
    /// <summary>The child's pid, which is also its process group id.</summary>
    public int Pid { get; } = pid;

    /// <summary>Read end of the stdout pipe (close-on-exec); the reader owns it.</summary>
    public int StdOut { get; } = stdout;

    /// <summary>Read end of the stderr pipe (close-on-exec); the reader owns it.</summary>
    public int StdErr { get; } = stderr;

    /// <summary>A blocking, unbuffered stream over a pipe end.</summary>
    public static Stream OpenStream(int fd, FileAccess access = FileAccess.Read) =>
        new FileStream(new SafeFileHandle(fd, ownsHandle: true), access, bufferSize: 0);
}
