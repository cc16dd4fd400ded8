namespace Formation.PowerShell;

/// <summary>One line of a formation's output (or of the manager's own events, under <c>system</c>).</summary>
public sealed class FormationLogRecord
{
    internal FormationLogRecord() { }

    /// <summary>When the manager read the line.</summary>
    public DateTimeOffset Timestamp { get; internal init; }

    /// <summary>The formation's name.</summary>
    public string Formation { get; internal init; } = "";

    /// <summary>The instance (<c>web.1</c>), or <c>system</c> for the manager's own events.</summary>
    public string Process { get; internal init; } = "";

    /// <summary>The process type (<c>web</c>), or null for <c>system</c>.</summary>
    public string? Type { get; internal init; }

    public FormationLogStream Stream { get; internal init; }

    /// <summary>The text, without its newline.</summary>
    public string Line { get; internal init; } = "";

    /// <summary>The process name padded to the longest of the formations followed, as <c>formation start</c> shows it.</summary>
    public string Prefix { get; internal init; } = "";

    /// <summary>The ANSI colour of this process's prefix in the default view (PowerShell drops it where output is not a terminal).</summary>
    public string Color { get; internal set; } = "";

    public override string ToString() => $"{Timestamp:HH:mm:ss} {Process} | {Line}";
}
