namespace Formation.Engine.Os;

/// <summary>How a process ended: an exit code or a signal.</summary>
/// <param name="ExitCode">The exit code, or null when a signal ended it.</param>
/// <param name="Signal">The signal number, or null when it exited.</param>
public readonly record struct WaitStatus(int? ExitCode, int? Signal)
{
    /// <summary>Decodes a raw <c>waitpid</c> status (the same layout on Linux and macOS).</summary>
    public static WaitStatus FromRaw(int status)
    {
        var low = status & 0x7f;
        return low == 0 ? new WaitStatus((status >> 8) & 0xff, null) : new WaitStatus(null, low);
    }

    /// <summary>The status of a process that was reaped by someone else: unknown, reported as exit code 255.</summary>
    public static WaitStatus Unknown => new(255, null);

    public bool Success => ExitCode == 0;

    /// <summary>The shell's convention: the exit code, or 128 + signal.</summary>
    public int ShellCode => ExitCode ?? 128 + Signal!.Value;

    public override string ToString() => Signal is { } s ? $"terminated by {Signals.Name(s)}" : $"exited with code {ExitCode}";
}
