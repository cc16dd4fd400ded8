namespace Formation.Engine.Export;

/// <summary>One generated file.</summary>
/// <param name="Name">The file name, relative to the output directory.</param>
/// <param name="Kind">What it is: <c>target</c>, <c>service</c>, <c>env</c> (systemd); <c>Deployment</c>, <c>Service</c>, <c>Job</c>, <c>ConfigMap</c>, <c>Secret</c>; <c>compose</c>.</param>
/// <param name="Content">The text, ending with a newline.</param>
/// <param name="Private">It holds values that may be secret: written readable by the owner only (0600).</param>
public sealed record ExportFile(string Name, string Kind, string Content, bool Private = false);

/// <summary>Something formation.yml or the options say that the target cannot express.</summary>
/// <param name="Type">The process type, or null for the whole formation.</param>
/// <param name="Key">The formation.yml key or option (<c>ready.output</c>, <c>after</c>).</param>
/// <param name="Message">What the target does instead.</param>
public sealed record ExportWarning(string? Type, string Key, string Message)
{
    public override string ToString() => $"{(Type is null ? "" : Type + ": ")}{Key}: {Message}";
}

/// <summary>The files an export writes and what it could not express.</summary>
public sealed record ExportResult(ExportFormat Format, IReadOnlyList<ExportFile> Files, IReadOnlyList<ExportWarning> Warnings);
