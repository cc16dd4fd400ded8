using System.Text;

namespace Formation.Engine.Configuration;

/// <summary>One problem found in a configuration file or option, with where it is and what to do.</summary>
/// <param name="File">The file the problem is in, or null for a command-line option.</param>
/// <param name="Line">1-based line number, or 0 when the problem is not tied to a line.</param>
/// <param name="Message">What is wrong and what to do about it.</param>
/// <param name="Text">The offending line as written, or null.</param>
/// <param name="Column">1-based column, or 0 when not known.</param>
public sealed record ConfigError(string? File, int Line, string Message, string? Text = null, int Column = 0)
{
    /// <summary>What kind of problem it is, so that a host names it without reading the message.</summary>
    public ConfigErrorKind Kind { get; init; }

    /// <summary><c>file:line[:column]: message</c>, followed by the offending line when there is one.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        if (File is not null)
        {
            sb.Append(File);
            if (Line > 0) sb.Append(':').Append(Line);
            if (Line > 0 && Column > 0) sb.Append(':').Append(Column);
            sb.Append(": ");
        }
        sb.Append(Message);
        if (Text is not null) sb.Append("\n    ").Append(Text);
        return sb.ToString();
    }
}

/// <summary>
/// Thrown for invalid configuration: a Procfile, a .env file, a formation or port option.
/// It carries every problem found, not only the first.
/// </summary>
public sealed class FormationConfigException : FormationException
{
    /// <summary>At most this many errors are spelled out in <see cref="Exception.Message"/>; all are in <see cref="Errors"/>.</summary>
    public const int ShownErrors = 20;

    public FormationConfigException(IReadOnlyList<ConfigError> errors)
        : base(Describe(errors))
    {
        if (errors.Count == 0) throw new ArgumentException("At least one error is required.", nameof(errors));
        Errors = errors;
    }

    public FormationConfigException(ConfigError error) : this(new[] { error }) { }

    /// <summary>Every problem found, in file order.</summary>
    public IReadOnlyList<ConfigError> Errors { get; }

    /// <summary>The first <see cref="ShownErrors"/> errors, one per line, and how many more there are.</summary>
    public static string Describe(IReadOnlyList<ConfigError> errors)
    {
        var shown = string.Join(Environment.NewLine, errors.Take(ShownErrors));
        return errors.Count > ShownErrors ? $"{shown}{Environment.NewLine}... and {errors.Count - ShownErrors} more errors." : shown;
    }
}

/// <summary>The kinds of configuration problem a host tells apart (the PowerShell module gives each its own error id).</summary>
public enum ConfigErrorKind
{
    /// <summary>A file's content or an option's value is invalid (<see cref="ConfigError.File"/> says which file, if any).</summary>
    Invalid,

    /// <summary>The Procfile does not exist.</summary>
    ProcfileNotFound,

    /// <summary>A .env file given does not exist.</summary>
    EnvFileNotFound,

    /// <summary>The formation.yml given does not exist.</summary>
    ConfigNotFound,

    /// <summary>An option names a process type the Procfile does not have.</summary>
    UnknownType,
}
