namespace Formation.Engine.Os;

/// <summary>A command that could not be started, with the reason a person can act on.</summary>
/// <param name="reason">Why, in words: <c>command not found: 'rials' (searched PATH=…)</c>.</param>
/// <param name="exitCode">What a shell would have exited with: <see cref="NotFound"/> or <see cref="NotExecutable"/>.</param>
public sealed class SpawnException(string reason, int exitCode = SpawnException.NotFound) : Exception(reason)
{
    /// <summary>The shell's code for a command that was not found (and for any other failure to start).</summary>
    public const int NotFound = 127;

    /// <summary>The shell's code for a command that was found but may not be run.</summary>
    public const int NotExecutable = 126;

    public int ExitCode { get; } = exitCode;
}
