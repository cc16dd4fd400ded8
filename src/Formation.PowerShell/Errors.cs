using System.Management.Automation;
using System.Text.RegularExpressions;
using Formation.Engine;
using Formation.Engine.Configuration;
using Formation.Engine.Supervision;

namespace Formation.PowerShell;

/// <summary>
/// Turns engine exceptions and outcomes into ErrorRecords: one FullyQualifiedErrorId per distinct failure,
/// and messages in PowerShell's words (the engine's hints name the CLI's flags; a PowerShell user types
/// -Procfile, -Port, -Force).
/// </summary>
internal static partial class Errors
{
    /// <summary>The CLI's spelling of an option and the cmdlet parameter that does the same.</summary>
    private static readonly (string Cli, string PowerShell)[] Words =
    [
        ("-f/--procfile", "-Procfile"),
        ("-e/--env", "-EnvFile"),
        ("--config / -Config", "-Config"),
        ("--config", "-Config"),
        ("(-p)", "(-Port)"),
        ("-p/--port", "-Port"),
        ("--force", "-Force"),
        ("-d/--directory", "-WorkingDirectory"),
        ("-t/--timeout", "-StopTimeout"),
        ("--exit-on-error", "-ExitOnError"),
        ("-m/--formation", "-Scale"),
    ];

    /// <summary>The message with the CLI's option names replaced by the cmdlets' parameter names.</summary>
    public static string InPowerShellWords(string message)
    {
        foreach (var (cli, ps) in Words) message = message.Replace(cli, ps, StringComparison.Ordinal);
        return message;
    }

    /// <summary>A record for an engine exception, its message in PowerShell's words.</summary>
    public static ErrorRecord Record(Exception ex, string id, ErrorCategory category, object? target)
    {
        var record = new ErrorRecord(ex, id, category, target);
        var text = InPowerShellWords(ex.Message);
        if (text != ex.Message) record.ErrorDetails = new ErrorDetails(text);
        return record;
    }

    /// <summary>The exception to show for an engine failure: the same one, or one whose message is in PowerShell's words.</summary>
    public static Exception Translate(Exception ex)
    {
        var text = InPowerShellWords(ex.Message);
        return text == ex.Message ? ex : new FormationErrorException(text, ex);
    }

    /// <summary>A record for invalid configuration, its id naming what was wrong (the first problem decides).</summary>
    public static ErrorRecord Config(FormationConfigException ex, FormationOptions options)
    {
        var (id, category) = Classify(ex.Errors[0], options);
        return Record(ex, id, category, ex.Errors[0].File ?? options.Procfile);
    }

    /// <summary>The id and category of one configuration problem.</summary>
    public static (string Id, ErrorCategory Category) Classify(ConfigError error, FormationOptions options)
    {
        if (error.File is null)
        {
            if (error.Message.StartsWith("No Procfile", StringComparison.Ordinal)) return ("ProcfileNotFound", ErrorCategory.ObjectNotFound);
            if (error.Message.StartsWith("No .env", StringComparison.Ordinal)) return ("EnvFileNotFound", ErrorCategory.ObjectNotFound);
            if (error.Message.StartsWith("No formation config", StringComparison.Ordinal)) return ("FormationConfigNotFound", ErrorCategory.ObjectNotFound);
            if (UnknownType().IsMatch(error.Message)) return ("FormationTypeUnknown", ErrorCategory.InvalidArgument);
            return ("FormationParameterInvalid", ErrorCategory.InvalidArgument);
        }
        var file = Path.GetFullPath(error.File);
        if (SamePath(file, options.Procfile)) return ("ProcfileInvalid", ErrorCategory.ParserError);
        if (options.EnvFiles?.Any(e => SamePath(file, e)) == true || Path.GetFileName(file).StartsWith(".env", StringComparison.Ordinal))
            return ("EnvFileInvalid", ErrorCategory.ParserError);
        return ("FormationConfigInvalid", ErrorCategory.ParserError);
    }

    /// <summary>The error a formation's end is, or null when it ended well or was stopped on request.</summary>
    public static ErrorRecord? Outcome(ProcessFormation formation)
    {
        if (formation.Result is not { } r || !Objects.Failed(r)) return null;
        var handle = Session.Wrap(formation);
        var message = $"Formation '{formation.Name}' failed: {Objects.FailureOf(formation)}";
        var task = r.Process is { } name && formation.GetProcess(name)?.IsTask == true;
        var id = r switch
        {
            { ExitCode: FormationResult.NotReadyExitCode } => "FormationNotReady",
            { Reason: FormationEndReason.StartFailed } when task => "FormationTaskFailed",
            { Reason: FormationEndReason.StartFailed } => "FormationStartFailed",
            { Reason: FormationEndReason.ExitOnError } => "FormationProcessExited",
            _ => "FormationProcessFailed",
        };
        return Record(new FormationErrorException(message), id, ErrorCategory.OperationStopped, handle);
    }

    private static bool SamePath(string a, string? b) => b is not null && string.Equals(a, Path.GetFullPath(b), StringComparison.Ordinal);

    [GeneratedRegex(@"\bunknown (process )?type\b|\bnot a (process )?type\b|\bno type\b", RegexOptions.IgnoreCase)]
    private static partial Regex UnknownType();
}

/// <summary>A formation failed, or an operation on it could not be done; the message says which and what to do.</summary>
public sealed class FormationErrorException : Exception
{
    public FormationErrorException(string message) : base(message) { }
    public FormationErrorException(string message, Exception inner) : base(message, inner) { }
}
