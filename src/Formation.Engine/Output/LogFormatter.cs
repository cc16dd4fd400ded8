using System.Text;

namespace Formation.Engine.Output;

/// <summary>
/// Renders log lines as foreman does (one instance per writer: it is not thread-safe): <c>HH:MM:SS web.1  | text</c>, names padded to the longest
/// (at least 6), an ANSI colour per process type when colour is on.
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

    /// <param name="types">Process types in Procfile order; each gets the next colour of the palette.</param>
    /// <param name="names">Every process name that will be shown, to size the name column.</param>
    /// <param name="timestamps">Whether lines start with the time.</param>
    /// <param name="colour">Whether to colour the prefix with ANSI escapes.</param>
    public LogFormatter(IEnumerable<string> types, IEnumerable<string> names, bool timestamps = true, bool colour = false)
    {
        var i = 0;
        foreach (var type in types) _colours[type] = Palette[i++ % Palette.Length];
        Timestamps = timestamps;
        Colour = colour;
        Widen(names);
    }

    public bool Timestamps { get; }
    public bool Colour { get; }

    /// <summary>Width of the name column.</summary>
    public int Width { get; private set; } = 6;

    /// <summary>Makes the name column wide enough for these names (for instances added by scaling).</summary>
    public void Widen(IEnumerable<string> names)
    {
        foreach (var n in names) Width = Math.Max(Width, n.Length);
        Width = Math.Max(Width, LogLine.SystemName.Length);
    }

    /// <summary>Appends one rendered line, with its newline.</summary>
    public void Append(StringBuilder sb, LogLine line)
    {
        var colour = Colour ? ColourOf(line) : null;
        if (colour is not null) sb.Append(colour);
        if (Timestamps) sb.Append(TimeOf(line.Timestamp)).Append(' ');
        sb.Append(line.Process).Append(' ', Math.Max(1, Width - line.Process.Length + 1)).Append("| ");
        if (colour is not null) sb.Append(Reset);
        sb.Append(line.Line).Append('\n');
    }

    public string Format(LogLine line)
    {
        var sb = new StringBuilder(line.Line.Length + Width + 16);
        Append(sb, line);
        return sb.ToString(0, sb.Length - 1);
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

    private string ColourOf(LogLine line) =>
        line.Type is not null && _colours.TryGetValue(line.Type, out var c) ? c : SystemColour;
}
