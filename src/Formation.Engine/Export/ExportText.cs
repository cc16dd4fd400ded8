using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Formation.Engine.Configuration;
using Formation.Engine.Os;

namespace Formation.Engine.Export;

/// <summary>Spellings every target shares: durations, signals, the <c>exec</c> prefix, env file lines, names.</summary>
internal static partial class ExportText
{
    /// <summary><c>5s</c>, <c>1500ms</c>: what systemd and Compose both read.</summary>
    public static string Duration(TimeSpan t) =>
        t.Ticks % TimeSpan.TicksPerSecond == 0
            ? ((long)t.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s"
            : ((long)Math.Ceiling(t.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture) + "ms";

    /// <summary>Whole seconds, rounded up.</summary>
    public static long Seconds(TimeSpan t) => (long)Math.Ceiling(t.TotalSeconds);

    /// <summary><c>SIGTERM</c>.</summary>
    public static string Signal(int number) => Signals.Name(number);

    /// <summary>
    /// The command with <c>exec</c> in front when the shell can hand its process to it (a simple command),
    /// so that the stop signal reaches the program itself; a list, pipeline or leading assignment is left as is.
    /// </summary>
    public static string Exec(string command) =>
        Compound().IsMatch(command) || LeadingKeyword().IsMatch(command) ? command : "exec " + command;

    /// <summary>
    /// A <c>NAME=value</c> line that systemd's EnvironmentFile and Compose's env_file read alike, or null
    /// when they would read it differently (a newline, a quote, '\' or '$': systemd keeps them, Compose's
    /// dotenv parser unescapes or interpolates them).
    /// </summary>
    public static string? EnvLine(string name, string value)
    {
        if (PlainValue().IsMatch(value)) return $"{name}={value}";
        if (value.IndexOfAny(['\n', '\r', '\'', '"', '\\', '$']) >= 0) return null;
        return $"{name}='{value}'";
    }

    /// <summary>The text of an env file: a header, then one line per variable; names of values it cannot hold go to <paramref name="skipped"/>.</summary>
    public static string EnvFile(string header, IEnumerable<KeyValuePair<string, string>> variables, List<string> skipped)
    {
        var sb = new StringBuilder().Append("# ").Append(header).Append('\n');
        foreach (var (name, value) in variables)
        {
            if (EnvLine(name, value) is { } line) sb.Append(line).Append('\n');
            else skipped.Add(name);
        }
        return sb.ToString();
    }

    /// <summary>Lower-case letters, digits and '-', starting with a letter and ending with a letter or digit: a DNS label (Kubernetes, Compose).</summary>
    public static string DnsLabel(string name)
    {
        var sb = new StringBuilder();
        foreach (var c in name.ToLowerInvariant())
            sb.Append(c is >= 'a' and <= 'z' or >= '0' and <= '9' ? c : '-');
        var label = DashRuns().Replace(sb.ToString(), "-").Trim('-');
        if (label.Length == 0 || !char.IsAsciiLetter(label[0])) label = "p-" + label;
        return label.Length > 63 ? label[..63].TrimEnd('-') : label;
    }

    /// <summary>
    /// Letters, digits and <c>_.-</c>, every other character as <c>-</c>: a systemd unit name that every tool takes
    /// (issue 19.12: systemd allows ':', but <c>systemd-analyze verify</c> refuses a unit file whose name has one).
    /// </summary>
    public static string UnitName(string name)
    {
        var sb = new StringBuilder();
        foreach (var c in name)
            sb.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' ? c : '-');
        return sb.Length == 0 ? "formation" : sb.ToString();
    }

    /// <summary>The warning for a readiness probe on output lines, which no target can run.</summary>
    public static ExportWarning OutputProbe(TypeSettings t, string target, string instead) =>
        new(t.Type.Name, "ready.output", $"{target} cannot watch output for /{t.Ready!.Pattern}/; {instead}");

    [GeneratedRegex(@"[;&|()`\n]|\$\(|^\s*[A-Za-z_][A-Za-z0-9_]*=", RegexOptions.CultureInvariant)]
    private static partial Regex Compound();

    [GeneratedRegex(@"^\s*(if|then|else|elif|fi|for|while|until|do|done|case|esac|\{|\}|!|exec|function)(\s|$)", RegexOptions.CultureInvariant)]
    private static partial Regex LeadingKeyword();

    [GeneratedRegex(@"^[A-Za-z0-9_./:,@+=%^-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex PlainValue();

    [GeneratedRegex("-{2,}", RegexOptions.CultureInvariant)]
    private static partial Regex DashRuns();
}
