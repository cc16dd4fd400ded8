using System.Globalization;
using System.Text.RegularExpressions;

namespace Formation.Engine.Configuration;

/// <summary>Durations as written in formation.yml and on command lines: <c>500ms</c>, <c>5s</c>, <c>2m</c>, <c>1h</c>, or plain seconds.</summary>
public static partial class Duration
{
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        var m = Pattern().Match(text?.Trim() ?? "");
        if (!m.Success || !double.TryParse(m.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n)) return false;
        var ms = m.Groups[2].Value switch
        {
            "ms" => n,
            "s" or "" => n * 1000,
            "m" => n * 60_000,
            _ => n * 3_600_000,
        };
        if (ms > TimeSpan.MaxValue.TotalMilliseconds / 2) return false;
        value = TimeSpan.FromMilliseconds(ms);
        return true;
    }

    /// <summary><c>20 ms</c> below a second, else <c>1.5 s</c>.</summary>
    public static string Format(TimeSpan t) =>
        t.TotalMilliseconds < 1000
            ? t.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + " ms"
            : t.TotalSeconds.ToString(t.TotalSeconds % 1 == 0 ? "0" : "0.###", CultureInfo.InvariantCulture) + " s";

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)(ms|s|m|h)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
