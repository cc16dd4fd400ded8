using System.Management.Automation;
using Formation.Engine.Configuration;
using Formation.Engine.Supervision;

namespace Formation.PowerShell.Commands;

/// <summary>Validates a Procfile (with its formation.yml and .env files): writes the process types, or an error per problem with file and line.</summary>
[Cmdlet(VerbsDiagnostic.Test, "Procfile")]
[OutputType(typeof(FormationProcessType), typeof(bool))]
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
        var options = new FormationOptions
        {
            Procfile = ResolvePath(Path),
            Config = Config is null ? null : ResolvePath(Config),
            EnvFiles = EnvFile?.Select(ResolvePath).ToArray(),
        };
        try
        {
            var plan = FormationPlan.Create(options);
            if (Quiet)
            {
                WriteObject(true);
                return;
            }
            var types = plan.Procfile.Types.Select(t =>
            {
                var settings = plan.Settings(t);
                return new FormationProcessType
                {
                    Name = t.Name,
                    Command = t.Command,
                    Line = t.Line,
                    Procfile = plan.Procfile.Path,
                    Count = plan.Counts.TryGetValue(t.Name, out var n) ? n : settings.Count,
                    Port = settings.BasePort,
                    PortChecked = settings.BasePort is not null && PortCheck.UsesPort(settings),
                    IsTask = settings.Task,
                    After = [.. settings.After],
                };
            });
            WriteObject(types.ToArray(), enumerateCollection: true);
        }
        catch (FormationConfigException ex)
        {
            if (Quiet)
            {
                WriteObject(false);
                return;
            }
            WriteConfigErrors(ex, options);
        }
    }
}
