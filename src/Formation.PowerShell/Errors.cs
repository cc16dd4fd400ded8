using System.Management.Automation;
using Formation.Engine.Configuration;
using Formation.Engine.Supervision;

namespace Formation.PowerShell;

/// <summary>
/// Turns engine exceptions and outcomes into ErrorRecords: one FullyQualifiedErrorId per distinct failure,
/// and messages in PowerShell's words (the engine's hints name the CLI's flags; a PowerShell user types
/// -Procfile, -Port, -Force).
/// </summary>
internal static class Errors
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
    /// <remarks>
    /// The exception itself carries the PowerShell words (what <c>$_.Exception.Message</c> and Pester show), with
    /// the engine's exception as its inner one; ErrorDetails says the same for the console's view.
    /// </remarks>
    public static ErrorRecord Record(Exception ex, string id, ErrorCategory category, object? target)
    {
        var record = new ErrorRecord(Translate(ex), id, category, target);
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

    /// <summary>
    /// One record per configuration problem (every cmdlet writes them as Test-Procfile does): each with the id of its
    /// own kind and file, its file as the target, and its message (file:line: what to do) in PowerShell's words.
    /// </summary>
    public static IEnumerable<ErrorRecord> Config(FormationConfigException ex, FormationOptions options) =>
        ex.Errors.Select(error =>
        {
            var (id, category) = Classify(error, options);
            return new ErrorRecord(Translate(new FormationConfigException(error)), id, category, error.File ?? options.Procfile)
            {
                ErrorDetails = new ErrorDetails(InPowerShellWords(error.ToString())),
            };
        });

    /// <summary>The id and category of one configuration problem: its kind, and for an invalid file which file it is.</summary>
    public static (string Id, ErrorCategory Category) Classify(ConfigError error, FormationOptions options) => error.Kind switch
    {
        ConfigErrorKind.ProcfileNotFound => ("ProcfileNotFound", ErrorCategory.ObjectNotFound),
        ConfigErrorKind.EnvFileNotFound => ("EnvFileNotFound", ErrorCategory.ObjectNotFound),
        ConfigErrorKind.ConfigNotFound => ("FormationConfigNotFound", ErrorCategory.ObjectNotFound),
        ConfigErrorKind.UnknownType => ("FormationTypeUnknown", ErrorCategory.InvalidArgument),
        _ when error.File is null => ("FormationParameterInvalid", ErrorCategory.InvalidArgument),
        _ when SamePath(Path.GetFullPath(error.File), options.Procfile) => ("ProcfileInvalid", ErrorCategory.ParserError),
        _ when options.EnvFiles?.Any(e => SamePath(Path.GetFullPath(error.File), e)) == true
            || Path.GetFileName(error.File).StartsWith(".env", StringComparison.Ordinal) => ("EnvFileInvalid", ErrorCategory.ParserError),
        _ => ("FormationConfigInvalid", ErrorCategory.ParserError),
    };

    /// <summary>
    /// The error a formation's outcome is, or null when it did not fail. The id and category come from the
    /// engine's cause (the README's table); the message is the engine's, after "Formation 'x' failed: ".
    /// </summary>
    public static ErrorRecord? Outcome(FormationOutcome outcome, Formation handle)
    {
        if (!outcome.Failed) return null;
        var (id, category) = OutcomeIds[outcome.Cause];
        return new ErrorRecord(new FormationErrorException($"Formation '{outcome.Formation}' failed: {outcome.Describe()}"), id, category, handle);
    }

    /// <summary>A readiness wait that ended without a ready formation: its failure, or (stopped first) that it ended before it was ready.</summary>
    public static ErrorRecord NotReady(FormationOutcome outcome, Formation handle) => Outcome(outcome, handle) ?? new ErrorRecord(
        new FormationErrorException($"Formation '{outcome.Formation}' ended before it was ready: {outcome.Message}"),
        "FormationEndedBeforeReady", ErrorCategory.OperationStopped, handle);

    /// <summary>One id and category per failing cause: the README's and about_Formation's table.</summary>
    internal static readonly IReadOnlyDictionary<OutcomeCause, (string Id, ErrorCategory Category)> OutcomeIds = new Dictionary<OutcomeCause, (string, ErrorCategory)>
    {
        [OutcomeCause.TaskFailed] = ("FormationTaskFailed", ErrorCategory.InvalidResult),
        [OutcomeCause.NotReady] = ("FormationNotReady", ErrorCategory.OperationTimeout),
        [OutcomeCause.CouldNotStart] = ("FormationProcessCouldNotStart", ErrorCategory.ObjectNotFound),
        [OutcomeCause.GaveUp] = ("FormationProcessGaveUp", ErrorCategory.InvalidResult),
        [OutcomeCause.ProcessCrashed] = ("FormationProcessCrashed", ErrorCategory.InvalidResult),
        [OutcomeCause.DependencyEnded] = ("FormationDependencyEnded", ErrorCategory.OperationStopped),
        [OutcomeCause.ExitedUnderExitOnError] = ("FormationProcessExited", ErrorCategory.OperationStopped),
        // Never failures, but every cause has a row.
        [OutcomeCause.AllExited] = ("FormationCompleted", ErrorCategory.NotSpecified),
        [OutcomeCause.StopRequested] = ("FormationStopped", ErrorCategory.OperationStopped),
        [OutcomeCause.Interrupted] = ("FormationInterrupted", ErrorCategory.OperationStopped),
    };

    private static bool SamePath(string a, string? b) => b is not null && string.Equals(a, Path.GetFullPath(b), StringComparison.Ordinal);
}

/// <summary>A formation failed, or an operation on it could not be done; the message says which and what to do.</summary>
public sealed class FormationErrorException : Exception
{
    public FormationErrorException(string message) : base(message) { }
    public FormationErrorException(string message, Exception inner) : base(message, inner) { }
}
