namespace Formation.Engine.Output;

/// <summary>Where a log line came from.</summary>
public enum LogStream
{
    StdOut,
    StdErr,

    /// <summary>The manager's own events (started, exited, restarting, stopping).</summary>
    System,
}

/// <summary>One line of a formation's output.</summary>
/// <param name="Timestamp">When the manager read the line.</param>
/// <param name="Formation">The formation's name.</param>
/// <param name="Process">The instance (<c>web.1</c>), or <c>system</c> for the manager's own events.</param>
/// <param name="Type">The process type (<c>web</c>), or null for <c>system</c>.</param>
/// <param name="Stream">stdout, stderr or system.</param>
/// <param name="Line">The text, without its newline.</param>
public sealed record LogLine(DateTimeOffset Timestamp, string Formation, string Process, string? Type, LogStream Stream, string Line)
{
    /// <summary>The name system lines appear under.</summary>
    public const string SystemName = "system";

    public override string ToString() => $"{Timestamp:HH:mm:ss} {Process} | {Line}";
}
