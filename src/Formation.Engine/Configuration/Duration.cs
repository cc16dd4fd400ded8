using System.Globalization;
using System.Text.RegularExpressions;

namespace Formation.Engine.Configuration;

/// <summary>
/// The one duration grammar of formation.yml, the CLI (<c>-t</c>) and the module (<c>-StopTimeout</c>):
/// <c>500ms</c>, <c>5s</c>, <c>2m</c>, <c>1h</c>, or plain seconds (<c>5</c>, <c>0.5</c>), from 0 to
/// <see cref="Max"/>; and the one way a message shows a duration (<c>250 ms</c>, <c>1.5 s</c>, <c>2 min</c>).
/// </summary>
/// <remarks>
/// The bound exists because a timer cannot wait longer than about 49 days (2^32 ms): a larger stop timeout
/// used to make the stop fail, so nothing escalated and processes outlived the formation.
/// </remarks>
public static partial class Duration
{
    /// <summary>The longest duration accepted anywhere (24 hours).</summary>
    public static readonly TimeSpan Max = TimeSpan.FromHours(24);

    /// <summary>What a valid duration looks like, for messages.</summary>
    public const string Grammar = "a duration from 0 to 24h such as 500ms, 5s, 2m, 1h or plain seconds";

    /// <summary>Parses <c>500ms</c>, <c>5s</c>, <c>2m</c>, <c>1h</c> or plain seconds, from 0 to <see cref="Max"/>.</summary>
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        var m = Pattern().Match(text?.Trim() ?? "");
        if (!m.Success || !double.TryParse(m.Groups[1].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n)) return false;
        var ms = m.Groups[2].Value switch
        {
            "ms" => n,
            "s" or "" => n * 1000,
            "m" => n * 60_000,
            _ => n * 3_600_000,
        };
        if (!(ms <= Max.TotalMilliseconds)) return false;
        value = TimeSpan.FromMilliseconds(Math.Round(ms));
        return true;
    }

    /// <summary>Parses a duration or throws a message that names <paramref name="what"/> and the grammar.</summary>
    /// <exception cref="FormationConfigException">The text is not a duration within bounds.</exception>
    public static TimeSpan Parse(string text, string what) =>
        TryParse(text, out var value)
            ? value
            : throw new FormationConfigException(new ConfigError(null, 0, $"Invalid {what} '{text}': use {Grammar}."));

    /// <summary>Whether a duration given as a value (a TimeSpan, a number of seconds) is within 0 to <see cref="Max"/>.</summary>
    public static bool InRange(TimeSpan value) => value >= TimeSpan.Zero && value <= Max;

    /// <summary>
    /// The largest unit the duration is a whole number of: <c>250 ms</c>, <c>1 s</c>, <c>1.5 s</c>,
    /// <c>2 min</c>, <c>1 h</c>; seconds (up to 3 decimals) when no larger unit fits.
    /// </summary>
    public static string Format(TimeSpan t)
    {
        var ms = (long)Math.Round(t.TotalMilliseconds);
        if (ms < 1000 && ms > -1000) return ms.ToString(CultureInfo.InvariantCulture) + " ms";
        if (ms % 3_600_000 == 0) return (ms / 3_600_000).ToString(CultureInfo.InvariantCulture) + " h";
        if (ms % 60_000 == 0) return (ms / 60_000).ToString(CultureInfo.InvariantCulture) + " min";
        return (ms / 1000.0).ToString("0.###", CultureInfo.InvariantCulture) + " s";
    }

    [GeneratedRegex(@"^(\d{1,12}(?:\.\d{1,9})?)(ms|s|m|h)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
