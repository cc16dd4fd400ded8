using System.Collections;
using System.Management.Automation;
using Formation.Engine.Configuration;
using Formation.Engine.Export;

namespace Formation.PowerShell.Commands;

/// <summary>
/// Writes systemd units, Kubernetes manifests or a Compose file that run the formation on an engine that spans
/// machines; a warning for each setting the target cannot express. Nothing is overwritten without -Force.
/// </summary>
[Cmdlet(VerbsData.Export, "Formation", SupportsShouldProcess = true)]
[OutputType(typeof(ExportedFile))]
public sealed class ExportFormationCommand : FormationCmdlet
{
    /// <summary>Systemd, Kubernetes or Compose.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateSet("Systemd", "Kubernetes", "Compose", IgnoreCase = true)]
    public string Format { get; set; } = "";

    /// <summary>The directory to write to (created if missing), relative to the current location.</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = ".";

    /// <summary>The Procfile, relative to the current location.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string Procfile { get; set; } = "./Procfile";

    /// <summary>formation.yml with per-type options; default: formation.yml beside the Procfile, if it exists.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Config { get; set; }

    /// <summary>The app's name in unit and object names; default: formation.yml's name, else the Procfile's directory.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    /// <summary>Instance counts: <c>@{ worker = 2 }</c> or <c>'worker=2,all=1'</c>.</summary>
    [Parameter]
    public ScaleArgument? Scale { get; set; }

    /// <summary>.env files, later wins; default: .env beside the Procfile, if it exists.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? EnvFile { get; set; }

    /// <summary>Variables that override the .env files; written where the target keeps values (env files, the ConfigMap or Secret).</summary>
    [Parameter]
    public Hashtable? Environment { get; set; }

    /// <summary>The base port; default formation.yml's port, then PORT from the .env files, then 5000.</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int? Port { get; set; }

    /// <summary>The directory the processes run in; default: the Procfile's directory.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? WorkingDirectory { get; set; }

    /// <summary>Kubernetes (required) and Compose: the container image.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Image { get; set; }

    /// <summary>Compose: the build context, relative to the output directory.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Build { get; set; }

    /// <summary>systemd: the user the services run as.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? User { get; set; }

    /// <summary>Kubernetes and Compose: the app's directory inside the image. Default /app.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string AppDirectory { get; set; } = "/app";

    /// <summary>Write an object for each file written.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Overwrite files that exist.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        var procfile = ResolvePath(Procfile);
        var directory = ResolvePath(Path);
        var options = new FormationOptions
        {
            Procfile = procfile,
            Config = Config is null ? null : ResolvePath(Config),
            Name = Name,
            EnvFiles = EnvFile?.Select(ResolvePath).ToArray(),
            Environment = Environment?.Cast<DictionaryEntry>().ToDictionary(e => e.Key.ToString()!, e => e.Value?.ToString() ?? ""),
            Port = Port,
            WorkingDirectory = WorkingDirectory is null ? null : ResolvePath(WorkingDirectory),
        };
        ExportResult result;
        try
        {
            options = options with { Scale = Scale?.Resolve(ProcfileTypes(procfile)) };
            result = Exporter.Export(Exporter.ParseFormat(Format)!.Value, options,
                new ExportOptions { Image = Image, Build = Build, User = User, AppDirectory = AppDirectory }, directory);
        }
        catch (FormationConfigException ex)
        {
            WriteConfigErrors(ex, options);
            return;
        }
        foreach (var warning in result.Warnings) WriteWarning(warning.ToString());

        var chosen = result.Files.Where(f => ShouldProcess(ExportWriter.PathOf(directory, f), $"Write {f.Kind} file")).ToList();
        var existing = chosen.Select(f => ExportWriter.PathOf(directory, f)).Where(ExportWriter.Exists).ToList();
        if (existing.Count > 0 && !Force)
        {
            var names = string.Join(", ", existing.Take(5).Select(System.IO.Path.GetFileName)) + (existing.Count > 5 ? ", ..." : "");
            var message = existing.Count == 1
                ? $"'{existing[0]}' exists: use -Force to overwrite it. Nothing was written."
                : $"{existing.Count} of the files exist in '{directory}' ({names}): use -Force to overwrite them. Nothing was written.";
            WriteError(new ErrorRecord(new IOException(message), "ExportFileExists", ErrorCategory.ResourceExists, existing[0]));
            return;
        }
        foreach (var file in chosen)
        {
            try
            {
                var path = ExportWriter.WriteFile(directory, file);
                if (PassThru) WriteObject(new ExportedFile(path, file.Kind, file.Content));
            }
            catch (FormationConfigException ex)
            {
                WriteError(OperationError(ex, "ExportFileNotWritten", ExportWriter.PathOf(directory, file)));
            }
        }
    }
}
