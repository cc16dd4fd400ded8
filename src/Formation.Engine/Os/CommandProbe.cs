namespace Formation.Engine.Os;

/// <summary>
/// Finds out before spawning whether a command's program exists and may be run, so that a typo gives
/// "command not found: rais" instead of a crash loop of exit code 127. Only a plain first word is checked:
/// anything the shell would interpret (builtins, keywords, assignments, quoting, expansions) is left to it.
/// </summary>
internal static class CommandProbe
{
    private static readonly HashSet<string> ShellWords = new(StringComparer.Ordinal)
    {
        "!", "{", "}", ".", ":", "[", "[[", "alias", "bg", "break", "case", "cd", "command", "continue", "echo",
        "eval", "exec", "exit", "export", "false", "fg", "for", "getopts", "hash", "if", "jobs", "kill", "local",
        "printf", "pwd", "read", "readonly", "return", "set", "shift", "source", "test", "times", "trap", "true",
        "type", "ulimit", "umask", "unalias", "unset", "until", "wait", "while", "function", "select", "time",
    };

    /// <summary>What is known of a command's program before it is spawned.</summary>
    /// <param name="Problem">Why it cannot start, or null.</param>
    /// <param name="Program">The program's full path, as <c>exec</c> would find it (PATH of the child's environment);
    /// null when the shell must interpret the command's start.</param>
    /// <param name="ExitCode">With a problem, what a shell would exit with: 127 not found, 126 not executable.</param>
    internal readonly record struct Probe(string? Problem, string? Program, int ExitCode = SpawnException.NotFound);

    /// <summary>Finds the command's program: its full path, or why it cannot start (nothing when only the shell can tell).</summary>
    public static Probe Check(string command, string workingDirectory, IReadOnlyDictionary<string, string> environment)
    {
        var word = FirstWord(command);
        if (word is null || ShellWords.Contains(word)) return default;
        if (word.Contains('/'))
        {
            var path = Path.GetFullPath(word, workingDirectory);
            if (Directory.Exists(path)) return new($"'{word}' is a directory, not a program", null, SpawnException.NotExecutable);
            if (!File.Exists(path)) return new($"command not found: '{word}' (no file {path})", null);
            return IsExecutable(path) ? new(null, path) : new($"permission denied: '{word}' is not executable", null, SpawnException.NotExecutable);
        }
        var searchPath = environment.TryGetValue("PATH", out var p) ? p : "/usr/local/bin:/usr/bin:/bin";
        string? notExecutable = null;
        foreach (var dir in searchPath.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(Path.GetFullPath(dir, workingDirectory), word);
            if (!File.Exists(candidate)) continue;
            if (IsExecutable(candidate)) return new(null, candidate);
            notExecutable ??= candidate;
        }
        return notExecutable is not null
            ? new($"permission denied: '{notExecutable}' is not executable", null, SpawnException.NotExecutable)
            : new($"command not found: '{word}' (searched PATH={searchPath})", null);
    }

    /// <summary>
    /// Whether <c>exec</c> may be put before the command: a single simple command (no <c>; &amp; | ( ) `</c>
    /// or newline outside quotes) that starts with a program, not a builtin, keyword or assignment.
    /// Then the program itself leads the process group, gets the signals and reports its own exit status;
    /// Debian's dash would otherwise stay in between as the parent.
    /// </summary>
    internal static bool CanExec(string command)
    {
        var word = FirstWord(command);
        if (word is null || ShellWords.Contains(word)) return false;
        char quote = '\0';
        for (var i = 0; i < command.Length; i++)
        {
            var c = command[i];
            if (quote != '\0')
            {
                if (c == quote) quote = '\0';
                else if (c == '\\' && quote == '"') i++;
                continue;
            }
            switch (c)
            {
                case '\'' or '"': quote = c; break;
                case '\\': i++; break;
                case ';' or '&' or '|' or '(' or ')' or '`' or '\n' or '#': return false;
            }
        }
        return quote == '\0';
    }

    /// <summary>
    /// Splits a command that needs nothing from the shell: plain words, <c>'single'</c> and <c>"double"</c>
    /// quoted literals, and no expansion (<c>$</c>, backquote, <c>~</c>, globs), redirection, operator,
    /// comment or escape. Such a command runs exactly as <c>sh -c "exec ..."</c> would run it, without
    /// starting a shell first. Returns null for anything else, which then goes through /bin/sh.
    /// </summary>
    internal static string[]? SplitSimple(string command)
    {
        if (!CanExec(command)) return null;
        var words = new List<string>();
        var word = new System.Text.StringBuilder();
        var inWord = false;
        for (var i = 0; i < command.Length; i++)
        {
            var c = command[i];
            if (c is '\'' or '"')
            {
                var close = command.IndexOf(c, i + 1);
                if (close < 0) return null;
                var quoted = command.AsSpan(i + 1, close - i - 1);
                if (c == '"' && quoted.IndexOfAny("$`\\!") >= 0) return null;
                word.Append(quoted);
                inWord = true;
                i = close;
            }
            else if (c is ' ' or '\t')
            {
                if (inWord) words.Add(word.ToString());
                word.Clear();
                inWord = false;
            }
            else if (char.IsAsciiLetterOrDigit(c) || "_./:=@%+,-".Contains(c))
            {
                word.Append(c);
                inWord = true;
            }
            else
            {
                return null;
            }
        }
        if (inWord) words.Add(word.ToString());
        return words.Count > 0 ? [.. words] : null;
    }

    /// <summary>The program word of a simple command, or null when the shell must interpret the start.</summary>
    internal static string? FirstWord(string command)
    {
        var s = command.TrimStart();
        var end = 0;
        while (end < s.Length && !char.IsWhiteSpace(s[end]) && s[end] is not (';' or '&' or '|' or '<' or '>' or '(' or ')')) end++;
        if (end == 0) return null;
        var word = s[..end];
        // Certainly a program only when nothing after it makes it something else (issue 11.6):
        // 'greet() { ...; }' defines a function, '2>/dev/null cmd' starts with a redirection.
        var next = s[end..].TrimStart();
        if (next.StartsWith('(')) return null;
        if (end < s.Length && s[end] is '<' or '>' && word.All(char.IsAsciiDigit)) return null;
        return word.IndexOfAny(['$', '`', '"', '\'', '\\', '=', '*', '?', '~', '{']) >= 0 ? null : word;
    }

    private static bool IsExecutable(string path) =>
        OperatingSystem.IsWindows() ||
        (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
}
