using System.Text;
using System.Text.RegularExpressions;

namespace Formation.Engine.Configuration;

/// <summary>
/// Configuration text as it may appear in a message: control characters shown, length capped, and the
/// value of a secret-looking name masked the way Get-FormationEnvironment masks it; and the NUL bytes
/// that no configuration line may hold.
/// </summary>
internal static partial class ConfigText
{
    private const int MaxShown = 200;

    /// <summary>
    /// Shows control characters visibly and caps the length, so a binary line cannot garble a message; from
    /// the first <c>NAME=</c> or <c>NAME:</c> whose name looks secret (<c>*SECRET*</c>, <c>*TOKEN*</c>,
    /// <c>*PASSWORD*</c>, <c>*KEY*</c>), the rest of the line is masked.
    /// </summary>
    internal static string Printable(string line)
    {
        line = MaskSecrets(line);
        var sb = new StringBuilder(Math.Min(line.Length, MaxShown + 1));
        foreach (var c in line)
        {
            if (sb.Length >= MaxShown) { sb.Append('…'); break; }
            sb.Append(char.IsControl(c) && c != '\t' ? '\uFFFD' : c);
        }
        return sb.ToString();
    }

    /// <summary><c>SECRET_KEY="s3cr3t</c> → <c>SECRET_KEY=********</c>; lines without a secret-looking name are unchanged.</summary>
    internal static string MaskSecrets(string line)
    {
        foreach (Match m in Assignment().Matches(line))
        {
            if (!Secrets.IsSecretName(m.Groups[1].Value)) continue;
            var valueStart = m.Index + m.Length;
            return valueStart >= line.Length ? line : line[..valueStart] + Secrets.Mask;
        }
        return line;
    }

    /// <summary>One error per line that holds a NUL byte: a NUL cannot reach a process and would cut the text short.</summary>
    internal static List<ConfigError> NulErrors(string text, string path)
    {
        var errors = new List<ConfigError>();
        if (text.IndexOf('\0') < 0) return errors;
        var number = 0;
        foreach (var line in SplitLines(text))
        {
            number++;
            var column = line.IndexOf('\0');
            if (column < 0) continue;
            errors.Add(new ConfigError(path, number,
                "The line holds a NUL byte: no command, name or value can contain one (it would cut the text short). Remove it; is this a text file?",
                Printable(line), column + 1));
        }
        return errors;
    }

    /// <summary>Lines split on LF, with a CR before it dropped.</summary>
    internal static IEnumerable<string> SplitLines(string text)
    {
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\n') continue;
            var end = i > start && text[i - 1] == '\r' ? i - 1 : i;
            yield return text[start..end];
            start = i + 1;
        }
        if (start < text.Length) yield return text[start..].TrimEnd('\r');
    }

    [GeneratedRegex(@"([A-Za-z_][A-Za-z0-9_.]*)\s*[=:]\s*", RegexOptions.CultureInvariant)]
    private static partial Regex Assignment();
}
