using System.Text;

namespace Formation.Engine.Configuration;

/// <summary>One variable read from a .env file, with where it was defined.</summary>
public sealed record EnvEntry(string Key, string Value, string File, int Line);

/// <summary>
/// A .env parser: <c>KEY=VALUE</c> with an optional <c>export </c> prefix; <c>#</c> comment lines and
/// trailing <c> #</c> comments after unquoted values; single quotes are literal; double quotes take
/// <c>\n \t \r \" \\ \$</c> escapes and may span lines; <c>$VAR</c>, <c>${VAR}</c> and
/// <c>${VAR:-default}</c> expand (unquoted and double-quoted values only) from keys defined earlier in
/// the file, then from the lookup (the inherited environment). A malformed line is an error with its line.
/// </summary>
/// <remarks>
/// DotNetEnv 3.0.0 was evaluated and not used: it expands <c>${VAR}</c> from earlier keys only by
/// writing every key into the process-wide environment (<c>setEnvVars: true</c>), which a host running
/// several formations (PowerShell) must not do; with <c>setEnvVars: false</c> such references expand to "".
/// </remarks>
public static class DotEnv
{
    /// <summary>
    /// The longest value, after expansion (128 KiB): Linux passes no longer string to a process
    /// (MAX_ARG_STRLEN), and the bound stops an expansion bomb (<c>A2=${A1}${A1}</c> ...) from using up memory.
    /// </summary>
    public const int MaxValueLength = 128 * 1024;

    /// <summary>Reads and parses a .env file.</summary>
    /// <exception cref="FormationConfigException">The file is missing, unreadable or malformed.</exception>
    public static IReadOnlyList<EnvEntry> Load(string path, Func<string, string?> lookup)
    {
        var (full, text) = ConfigFile.Read(path, ".env file", "Check the path given with -e/--env.", ConfigErrorKind.EnvFileNotFound);
        return Parse(text, full, lookup);
    }

    /// <summary>Parses .env text. <paramref name="lookup"/> resolves references to variables not defined earlier in the text.</summary>
    /// <exception cref="FormationConfigException">With one error per malformed line.</exception>
    public static IReadOnlyList<EnvEntry> Parse(string text, string path, Func<string, string?> lookup)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(lookup);
        var nul = ConfigText.NulErrors(text, path);
        if (nul.Count > 0) throw new FormationConfigException(nul);
        var reader = new Reader(text.StartsWith('\uFEFF') ? text[1..] : text);
        var entries = new List<EnvEntry>();
        var defined = new Dictionary<string, string>(StringComparer.Ordinal);
        var errors = new List<ConfigError>();
        string? Resolve(string name) => defined.TryGetValue(name, out var v) ? v : lookup(name);

        while (!reader.AtEnd)
        {
            var line = reader.Line;
            var lineStart = reader.Position;
            try
            {
                if (ParseEntry(reader, Resolve) is { } kv)
                {
                    defined[kv.Key] = kv.Value;
                    entries.Add(new EnvEntry(kv.Key, kv.Value, path, line));
                }
            }
            catch (EnvSyntaxException ex)
            {
                errors.Add(new ConfigError(path, line, ex.Message, ConfigText.Printable(reader.LineText(lineStart))));
                reader.ResumeAfterLine(lineStart, line);
            }
        }
        if (errors.Count > 0) throw new FormationConfigException(errors);
        return entries;
    }

    private static KeyValuePair<string, string>? ParseEntry(Reader r, Func<string, string?> resolve)
    {
        r.SkipBlanks();
        if (r.TryEndOfLine()) return null;
        if (r.Peek == '#') { r.SkipRestOfLine(); return null; }

        var key = r.ReadKey();
        if (key == "export" && r.Peek is ' ' or '\t')
        {
            r.SkipBlanks();
            key = r.ReadKey();
        }
        if (key.Length == 0)
            throw new EnvSyntaxException("Expected KEY=VALUE: a key starts with a letter or '_' and holds letters, digits, '_' or '.'.");
        r.SkipBlanks();
        if (r.Peek != '=')
            throw new EnvSyntaxException($"Expected '=' after '{key}'. Write {key}=value (an empty value is {key}=).");
        r.Advance();
        r.SkipBlanks();

        string value;
        switch (r.Peek)
        {
            case '\'':
                value = r.ReadSingleQuoted();
                r.ExpectEndAfterQuote(key);
                break;
            case '"':
                value = Expand(r.ReadDoubleQuoted(), resolve, key);
                r.ExpectEndAfterQuote(key);
                break;
            default:
                value = Expand(new Segment(r.ReadUnquoted(), Escaped: null), resolve, key);
                break;
        }
        CheckLength(value.Length);
        return new(key, value);
    }

    /// <summary>A value's raw text; <c>Escaped</c> marks characters that came from an escape and are never expanded.</summary>
    private readonly record struct Segment(string Text, bool[]? Escaped);

    private static string Expand(Segment segment, Func<string, string?> resolve, string key)
    {
        var s = segment.Text;
        if (s.IndexOf('$') < 0) return s;
        var sb = new StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c != '$' || (segment.Escaped?[i] ?? false) || i + 1 >= s.Length)
            {
                sb.Append(c);
                continue;
            }
            if (s[i + 1] == '{')
            {
                var close = s.IndexOf('}', i + 2);
                if (close < 0) throw new EnvSyntaxException("Unterminated '${': close the reference with '}'.");
                var body = s[(i + 2)..close];
                var sep = body.IndexOf(":-", StringComparison.Ordinal);
                var dash = body.IndexOf('-');
                string name, fallback = "";
                var useOnEmpty = false;
                if (sep >= 0) { name = body[..sep]; fallback = body[(sep + 2)..]; useOnEmpty = true; }
                else if (dash >= 0) { name = body[..dash]; fallback = body[(dash + 1)..]; }
                else name = body;
                if (!IsName(name))
                {
                    // The message shows no part of a secret's value.
                    var shown = Secrets.IsSecretName(key) ? "${" + Secrets.Mask + "}" : $"${{{body}}}";
                    throw new EnvSyntaxException($"'{shown}' is not a variable reference: use ${{NAME}} or ${{NAME:-default}}.");
                }
                var found = resolve(name);
                sb.Append(found is null || (useOnEmpty && found.Length == 0) ? (sep >= 0 || dash >= 0 ? fallback : "") : found);
                CheckLength(sb.Length);
                i = close;
                continue;
            }
            var end = i + 1;
            if (!IsNameStart(s[end])) { sb.Append(c); continue; }
            while (end < s.Length && IsNameChar(s[end])) end++;
            sb.Append(resolve(s[(i + 1)..end]) ?? "");
            CheckLength(sb.Length);
            i = end - 1;
        }
        return sb.ToString();
    }

    private static void CheckLength(int length)
    {
        if (length > MaxValueLength)
            throw new EnvSyntaxException($"The value (with its ${{...}} references expanded) is longer than {MaxValueLength / 1024} KiB, the most a process can receive in one variable.");
    }

    private static bool IsNameStart(char c) => c is '_' or (>= 'A' and <= 'Z') or (>= 'a' and <= 'z');
    private static bool IsNameChar(char c) => IsNameStart(c) || c is >= '0' and <= '9';
    private static bool IsKeyChar(char c) => IsNameChar(c) || c == '.';
    private static bool IsName(string s) => s.Length > 0 && IsNameStart(s[0]) && s.All(IsNameChar);

    private sealed class EnvSyntaxException(string message) : Exception(message);

    /// <summary>A cursor over the text that counts lines as it goes.</summary>
    private sealed class Reader(string text)
    {
        private int _pos;

        public int Line { get; private set; } = 1;
        public int Position => _pos;
        public bool AtEnd => _pos >= text.Length;
        public char Peek => _pos < text.Length ? text[_pos] : '\0';

        public void Advance()
        {
            if (text[_pos] == '\n') Line++;
            _pos++;
        }

        public void SkipBlanks()
        {
            while (_pos < text.Length && text[_pos] is ' ' or '\t') _pos++;
        }

        /// <summary>Consumes a line end (LF, CRLF or end of text) if the cursor is at one.</summary>
        public bool TryEndOfLine()
        {
            if (!AtEnd && text[_pos] == '\r' && (_pos + 1 == text.Length || text[_pos + 1] == '\n')) _pos++;
            if (AtEnd) return true;
            if (text[_pos] != '\n') return false;
            Advance();
            return true;
        }

        public void SkipRestOfLine()
        {
            while (!AtEnd && text[_pos] != '\n') _pos++;
            if (!AtEnd) Advance();
        }

        /// <summary>After an error, resumes on the line after the one the entry started on.</summary>
        public void ResumeAfterLine(int lineStart, int line)
        {
            _pos = lineStart;
            Line = line;
            SkipRestOfLine();
        }

        public string LineText(int lineStart)
        {
            var nl = text.IndexOf('\n', lineStart);
            return text[lineStart..(nl < 0 ? text.Length : nl)].TrimEnd('\r');
        }

        public string ReadKey()
        {
            var start = _pos;
            if (_pos < text.Length && IsNameStart(text[_pos]))
                while (_pos < text.Length && IsKeyChar(text[_pos])) _pos++;
            return text[start.._pos];
        }

        public string ReadUnquoted()
        {
            var start = _pos;
            var end = _pos;
            while (_pos < text.Length && text[_pos] is not '\n')
            {
                if (text[_pos] == '#' && _pos > start && text[_pos - 1] is ' ' or '\t') break;
                _pos++;
                end = _pos;
            }
            var value = text[start..end].TrimEnd(' ', '\t', '\r');
            SkipRestOfLine();
            return value;
        }

        public string ReadSingleQuoted()
        {
            var startLine = Line;
            Advance();
            var close = text.IndexOf('\'', _pos);
            if (close < 0)
                throw new EnvSyntaxException($"Unterminated single quote (opened on line {startLine}): add the closing '.");
            var value = text[_pos..close].Replace("\r\n", "\n");
            while (_pos <= close) Advance();
            return value;
        }

        public Segment ReadDoubleQuoted()
        {
            var startLine = Line;
            Advance();
            var sb = new StringBuilder();
            var escaped = new List<bool>();
            while (true)
            {
                if (AtEnd)
                    throw new EnvSyntaxException($"Unterminated double quote (opened on line {startLine}): add the closing \".");
                var c = text[_pos];
                if (c == '"') { Advance(); break; }
                if (c == '\\' && _pos + 1 < text.Length)
                {
                    var next = text[_pos + 1];
                    char? mapped = next switch
                    {
                        'n' => '\n', 't' => '\t', 'r' => '\r', '"' => '"', '\\' => '\\', '$' => '$', _ => null,
                    };
                    if (mapped is { } m)
                    {
                        sb.Append(m);
                        escaped.Add(true);
                        Advance();
                        Advance();
                        continue;
                    }
                }
                if (c == '\r' && _pos + 1 < text.Length && text[_pos + 1] == '\n') { _pos++; continue; }
                sb.Append(c);
                escaped.Add(false);
                Advance();
            }
            return new Segment(sb.ToString(), escaped.ToArray());
        }

        public void ExpectEndAfterQuote(string key)
        {
            SkipBlanks();
            if (Peek == '#') { SkipRestOfLine(); return; }
            if (!TryEndOfLine())
                throw new EnvSyntaxException($"Unexpected text after the quoted value of '{key}': put a comment after ' #' or quote the whole value.");
        }
    }
}
