using System.Collections;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Runtime.InteropServices;
using Formation.Engine.Configuration;
using Formation.Engine.Os;
using Formation.Engine.Output;
using Formation.Engine.Supervision;

namespace Formation.PowerShell.Commands;

/// <summary>Starts a formation from a Procfile and returns it; <c>-Wait</c> runs it in the foreground like foreman.</summary>
[Cmdlet(VerbsLifecycle.Start, "Formation", SupportsShouldProcess = true)]
[OutputType(typeof(ProcessFormation))]
public sealed class StartFormationCommand : FormationCmdlet
{
    private volatile ProcessFormation? _waiting;

    /// <summary>The Procfile, relative to the current location.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "Path")]
    [ValidateNotNullOrEmpty]
    public string Procfile { get; set; } = "./Procfile";

    /// <summary>formation.yml with per-type options; default: formation.yml beside the Procfile, if it exists.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Config { get; set; }

    /// <summary>The formation's name; default: formation.yml's name, else the name of the Procfile's directory.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    /// <summary>Run only these process types.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Type { get; set; }

    /// <summary>Instance counts: <c>@{ worker = 2 }</c> or <c>'worker=2,all=1'</c>.</summary>
    [Parameter]
    public ScaleArgument? Scale { get; set; }

    /// <summary>.env files, later wins; default: .env beside the Procfile, if it exists.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? EnvFile { get; set; }

    /// <summary>Variables that override the inherited environment and the .env files.</summary>
    [Parameter]
    public Hashtable? Environment { get; set; }

    /// <summary>The base port; default PORT from .env, then from the environment, then 5000.</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int? Port { get; set; }

    /// <summary>The directory processes run in; default: the Procfile's directory.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? WorkingDirectory { get; set; }

    /// <summary>Time between the stop signal and SIGKILL: seconds, '500ms', '5s' or a TimeSpan. Default 5 s.</summary>
    [Parameter]
    public DurationArgument? StopTimeout { get; set; }

    /// <summary>What happens when a process ends by itself. Default: formation.yml's per type, else OnFailure.</summary>
    [Parameter]
    public RestartPolicy? RestartPolicy { get; set; }

    /// <summary>When a process ends and is not restarted, stop the whole formation (foreman's behaviour).</summary>
    [Parameter]
    public SwitchParameter ExitOnError { get; set; }

    /// <summary>Output lines kept per process for Get-FormationLog. Default 1000.</summary>
    [Parameter]
    [ValidateRange(0, 1_000_000)]
    public int LogBufferSize { get; set; } = 1000;

    /// <summary>Start even when a PORT is in use by another process.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Return only when every process is ready (readiness probes, tasks done); an error if the start fails.</summary>
    [Parameter]
    public SwitchParameter WaitReady { get; set; }

    /// <summary>Run in the foreground: show every line until the formation ends; Ctrl+C stops it, a second Ctrl+C kills.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    protected override void ProcessRecord()
    {
        FormationPlan plan;
        var procfile = ResolvePath(Procfile);
        try
        {
            plan = FormationPlan.Create(new FormationOptions
            {
                Procfile = procfile,
                Config = Config is null ? null : ResolvePath(Config),
                Name = Name,
                Types = Type,
                Scale = Scale?.Counts,
                EnvFiles = EnvFile?.Select(ResolvePath).ToArray(),
                Environment = Environment?.Cast<DictionaryEntry>().ToDictionary(e => e.Key.ToString()!, e => e.Value?.ToString() ?? ""),
                Port = Port,
                WorkingDirectory = WorkingDirectory is null ? null : ResolvePath(WorkingDirectory),
                StopTimeout = StopTimeout?.Value,
                Restart = RestartPolicy,
                ExitOnError = ExitOnError,
                Force = Force,
                LogBufferSize = LogBufferSize,
            });
        }
        catch (FormationConfigException ex)
        {
            WriteError(ConfigError(ex, "FormationConfigInvalid", procfile));
            return;
        }

        if (!ShouldProcess($"{plan.Name} ({procfile})", "Start formation")) return;
        ProcessFormation formation;
        try
        {
            formation = Engine.Add(plan);
        }
        catch (FormationException ex)
        {
            WriteError(new ErrorRecord(ex, "FormationNameInUse", ErrorCategory.ResourceExists, plan.Name));
            return;
        }
        if (Wait)
        {
            RunInForeground(formation);
            return;
        }
        try
        {
            formation.Start();
        }
        catch (FormationException ex)
        {
            Engine.Forget(formation);
            WriteError(new ErrorRecord(ex, "FormationPortInUse", ErrorCategory.ResourceUnavailable, plan.Name));
            return;
        }
        if (WaitReady)
        {
            try
            {
                Await(formation.WhenReadyAsync(CancelToken));
            }
            catch (FormationException ex)
            {
                WriteError(new ErrorRecord(ex, "FormationNotReady", ErrorCategory.OperationStopped, formation));
            }
        }
        WriteObject(formation);
    }

    /// <summary>
    /// The pipeline is being stopped (Ctrl+C, or a host stopping it): stop gracefully. Presses of Ctrl+C
    /// are counted by the SIGINT registration alone, since one press reaches both.
    /// </summary>
    protected override void StopProcessing()
    {
        _waiting?.StopAsync(reason: "stopping all processes (press Ctrl+C again to kill)");
        base.StopProcessing();
    }

    /// <summary>Shows rendered lines on the host until the formation ends. Only this thread writes.</summary>
    private void RunInForeground(ProcessFormation formation)
    {
        var colour = Host.UI.SupportsVirtualTerminal && string.IsNullOrEmpty(System.Environment.GetEnvironmentVariable("NO_COLOR"));
        var names = formation.Plan.Instances().Select(x => $"{x.Type.Name}.{x.Index}");
        var formatter = new LogFormatter(formation.Plan.Procfile.Types.Select(t => t.Name), names, timestamps: true, colour);
        using var lines = new BlockingCollection<LogLine>(boundedCapacity: 100_000);
        void OnOutput(object? sender, LogLine line) => Offer(lines, line);
        formation.Output += OnOutput;
        _ = formation.Completion.ContinueWith(_ => lines.CompleteAdding(), TaskScheduler.Default);
        // Ctrl+C reaches StopProcessing once; a second one is seen only by a signal registration. The engine's
        // one escalation (the CLI's too): a second request from the user kills; duplicate hangups do not.
        using var interrupts = new Interrupts((action, line) =>
        {
            if (action == InterruptAction.Stop) formation.StopAsync(reason: line);
            else if (action == InterruptAction.Kill) formation.Kill(line);
            else Offer(lines, new LogLine(DateTimeOffset.Now, formation.Name, LogLine.SystemName, null, LogStream.System, line));
        });
        _waiting = formation;
        try
        {
            try
            {
                formation.Start();
            }
            catch (FormationException ex)
            {
                Engine.Forget(formation);
                WriteError(new ErrorRecord(ex, "FormationPortInUse", ErrorCategory.ResourceUnavailable, formation.Name));
                return;
            }
            foreach (var line in lines.GetConsumingEnumerable()) Host.UI.WriteLine(formatter.Format(line));
        }
        finally
        {
            formation.Output -= OnOutput;
            _waiting = null;
        }
        if (formation.Result is { Reason: FormationEndReason.StartFailed, Message: var message })
            WriteError(new ErrorRecord(new FormationException(message ?? "The start failed."), "FormationStartFailed", ErrorCategory.OperationStopped, formation));
        if (!CancelToken.IsCancellationRequested) WriteObject(formation);
    }
}
