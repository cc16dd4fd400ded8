using System.Text;

namespace Formation.Engine.Output;

/// <summary>
/// Renders log lines as foreman does: <c>HH:MM:SS web.1  | text</c>. The name column is as wide as the
/// longest name, <c>system</c> included, and each instance has a colour of its own (web.1 and web.2 differ)
/// when colour is on. One instance per writer: it is not thread-safe.
/// </summary>
public sealed class LogFormatter
{
    private static readonly string[] Palette =
        ["\e[36m", "\e[33m", "\e[32m", "\e[35m", "\e[31m", "\e[34m", "\e[96m", "\e[93m", "\e[92m", "\e[95m", "\e[91m", "\e[94m"];

    private const string Reset = "\e[0m";
    private const string SystemColour = "\e[1m";
    private readonly Dictionary<string, string> _colours = new(StringComparer.Ordinal);

    // The rendered time of the last second seen: lines arrive in bursts, so most reuse it (no allocation per line).
    private long _cachedSecond = long.MinValue;
    private string _cachedTime = "";

    /// <param name="names">Every instance that will be shown, in order (Procfile order, then index): each gets
    /// the next colour of the palette, and the name column is sized to them.</param>
    /// <param name="timestamps">Whether lines start with the time.</param>
    /// <param name="colour">Whether to colour the prefix with ANSI escapes.</param>
    public LogFormatter(IEnumerable<string> names, bool timestamps = true, bool colour = false)
    {
        Timestamps = timestamps;
        Colour = colour;
        Widen(names);
    }

    public bool Timestamps { get; }
    public bool Colour { get; }

    /// <summary>Width of the name column: the longest name seen, <c>system</c> included.</summary>
    public int Width { get; private set; } = LogLine.SystemName.Length;

    /// <summary>Sizes the name column for these names and gives each new one its colour (instances added by scaling).</summary>
    public void Widen(IEnumerable<string> names)
    {
        foreach (var name in names) Add(name);
    }

    /// <summary>The ANSI colour of a process's prefix (an instance's own, bold for <c>system</c>); a name not seen yet gets the next one.</summary>
    public string ColourOf(string process)
    {
        if (process == LogLine.SystemName) return SystemColour;
        return _colours.TryGetValue(process, out var c) ? c : Add(process);
    }

    /// <summary>The prefix without time or colour: the name padded to the column, then <c>| </c>.</summary>
    public string Prefix(string process) => process.PadRight(Math.Max(Width, process.Length)) + " | ";

    /// <summary>Appends one rendered line, with its newline. A name longer than the column widens it from here on.</summary>
    public void Append(StringBuilder sb, LogLine line)
    {
        var colour = Colour ? ColourOf(line.Process) : null;
        if (line.Process.Length > Width) Width = line.Process.Length;
        if (colour is not null) sb.Append(colour);
        if (Timestamps) sb.Append(TimeOf(line.Timestamp)).Append(' ');
        sb.Append(line.Process).Append(' ', Width - line.Process.Length + 1).Append("| ");
        if (colour is not null) sb.Append(Reset);
        sb.Append(line.Line).Append('\n');
    }

    /// <summary>One rendered line, without its newline.</summary>
    public string Format(LogLine line)
    {
        var sb = new StringBuilder(line.Line.Length + Width + 16);
        Append(sb, line);
        return sb.ToString(0, sb.Length - 1);
    }

    private string Add(string name)
    {
        Width = Math.Max(Width, name.Length);
        if (name == LogLine.SystemName) return SystemColour;
        if (_colours.TryGetValue(name, out var c)) return c;
        return _colours[name] = Palette[_colours.Count % Palette.Length];
    }

    private string TimeOf(DateTimeOffset timestamp)
    {
        var second = (timestamp.Ticks + timestamp.Offset.Ticks) / TimeSpan.TicksPerSecond;
        if (second != _cachedSecond)
        {
            _cachedTime = timestamp.ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
            _cachedSecond = second;
        }
        return _cachedTime;
    }
}
