using System.Globalization;

namespace Formation.Cli;

/// <summary>How the control verbs draw what they list (<c>ps</c>, <c>ls</c>): left-aligned columns and times as people read them.</summary>
internal static class Tables
{
    /// <summary>Left-aligned columns, two spaces apart; the last column is not padded.</summary>
    public static void Write(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = rows.Prepend(header).ToList();
        var widths = header.Select((_, i) => all.Max(row => row[i].Length)).ToArray();
        foreach (var row in all)
            Console.Out.WriteLine(string.Join("  ", row.Select((cell, i) => i == row.Count - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
    }

    /// <summary>A time as the tables show it: the local time, with the date when it is not today.</summary>
    public static string Time(DateTimeOffset? time) =>
        time is not { } t ? "-"
        : t.LocalDateTime.Date == DateTime.Today ? t.LocalDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture)
        : t.LocalDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>A number, or <c>-</c> for none.</summary>
    public static string Number(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "-";
}
