using System.Management.Automation;
using Formation.Engine.Configuration;

namespace Formation.PowerShell.Commands;

/// <summary>Validates a Procfile (with its formation.yml and .env files): writes the process types, or an error per problem with file and line.</summary>
[Cmdlet(VerbsDiagnostic.Test, "Procfile")]
[OutputType(typeof(ProcessType), typeof(bool))]
public sealed class TestProcfileCommand : FormationCmdlet
{
    /// <summary>The Procfile, relative to the current location.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "Procfile")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "./Procfile";

    /// <summary>formation.yml to validate with it; default: formation.yml beside the Procfile, if it exists.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Config { get; set; }

    /// <summary>.env files to validate with it; default: .env beside the Procfile, if it exists.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? EnvFile { get; set; }

    /// <summary>Write only $true or $false.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void ProcessRecord()
    {
        var path = ResolvePath(Path);
        try
        {
            var plan = FormationPlan.Create(new FormationOptions
            {
                Procfile = path,
                Config = Config is null ? null : ResolvePath(Config),
                EnvFiles = EnvFile?.Select(ResolvePath).ToArray(),
            });
            WriteObject(Quiet ? true : plan.Procfile.Types, enumerateCollection: !Quiet);
        }
        catch (FormationConfigException ex)
        {
            if (Quiet)
            {
                WriteObject(false);
                return;
            }
            foreach (var error in ex.Errors)
            {
                WriteError(new ErrorRecord(new FormationConfigException(error), "ProcfileInvalid", ErrorCategory.ParserError, error.File ?? path)
                {
                    ErrorDetails = new ErrorDetails(error.ToString()),
                });
            }
        }
    }
}
