namespace Formation.Engine.Os;

/// <summary>Words for a <c>/bin/sh</c> command line: what is written is what the program receives.</summary>
internal static class ShellQuoting
{
    /// <summary>The word as is when the shell leaves it unchanged, else single-quoted (a quote inside as <c>'\''</c>).</summary>
    public static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/' or '=' or ':' or ',' or '+' or '@' or '%')
            ? word
            : "'" + word.Replace("'", "'\\''") + "'";
}
