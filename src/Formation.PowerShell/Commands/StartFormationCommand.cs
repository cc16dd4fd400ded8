using System.Collections;
using System.Collections.Concurrent;
using System.Management.Automation;
using Formation.Engine;
using Formation.Engine.Configuration;
using Formation.Engine.Control;
using Formation.Engine.Os;
using Formation.Engine.Output;
using Formation.Engine.Supervision;

namespace Formation.PowerShell.Commands;

/// <summary>Starts a formation from a Procfile and returns it; <c>-Wait</c> runs it in the foreground like foreman.</summary>
[Cmdlet(VerbsLifecycle.Start, "Formation", SupportsShouldProcess = true)]
[OutputType(typeof(Formation))]
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
    public FormationRestartPolicy? RestartPolicy { get; set; }

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

    /// <summary>Stop every type at once, even when formation.yml's after orders the start (default: reverse start order).</summary>
    [Parameter]
    public SwitchParameter NoOrderedStop { get; set; }

    /// <summary>Return only when every process is ready (readiness probes, tasks done); an error if the start fails.</summary>
    [Parameter]
    public SwitchParameter WaitReady { get; set; }

    /// <summary>Run in the foreground: show every line until the formation ends; Ctrl+C stops it, a second Ctrl+C kills.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    protected override void ProcessRecord()
    {
        var procfile = ResolvePath(Procfile);
        IReadOnlyDictionary<string, int>? scale;
        try
        {
            scale = Scale is null ? null : Scale.Resolve(ProcfileTypes(procfile));
        }
        catch (FormationConfigException ex)
        {
            WriteConfigErrors(ex, new FormationOptions { Procfile = procfile });
            return;
        }
        var options = new FormationOptions
        {
            Procfile = procfile,
            Config = Config is null ? null : ResolvePath(Config),
            Name = Name,
            Types = Type,
            Scale = scale,
            EnvFiles = EnvFile?.Select(ResolvePath).ToArray(),
            Environment = Environment?.Cast<DictionaryEntry>().ToDictionary(e => e.Key.ToString()!, e => e.Value?.ToString() ?? ""),
            Port = Port,
            WorkingDirectory = WorkingDirectory is null ? null : ResolvePath(WorkingDirectory),
            StopTimeout = StopTimeout?.Value,
            Restart = Objects.ToEngine(RestartPolicy),
            ExitOnError = ExitOnError,
            Force = Force,
            OrderedStop = NoOrderedStop ? false : null,
            LogBufferSize = LogBufferSize,
        };
        FormationPlan plan;
        try
        {
            plan = FormationPlan.Create(options);
        }
        catch (FormationConfigException ex)
        {
            WriteConfigErrors(ex, options);
            return;
        }

        if (!ShouldProcess($"{plan.Name} ({options.Procfile})", "Start formation")) return;
        ProcessFormation formation;
        try
        {
            formation = Registry.Add(plan);
        }
        catch (FormationNameTakenException ex)
        {
            WriteError(Errors.Record(ex, "FormationNameInUse", ErrorCategory.ResourceExists, plan.Name));
            return;
        }
        WriteVerbose($"Starting formation '{plan.Name}' from {plan.Procfile.Path}: {string.Join(", ", plan.Counts.Select(kv => $"{kv.Key}={kv.Value}"))}, base port {plan.BasePort}.");
        if (Wait)
        {
            RunInForeground(formation);
            return;
        }
        if (!TryStart(formation)) return;
        if (WaitReady) WaitUntilReady(formation);
        WriteObject(Session.Wrap(formation));
    }

    /// <summary>
    /// The pipeline is being stopped (Ctrl+C, or a host stopping it): stop gracefully. Presses of Ctrl+C
    /// are counted by the SIGINT registration alone, since one press reaches both.
    /// </summary>
    protected override void StopProcessing()
    {
        _waiting?.StopAsync(reason: "stopping all processes (press Ctrl+C again to kill)", interrupted: true);
        base.StopProcessing();
    }

    /// <summary>Starts the formation; a port in use is an error that names the way out (and the formation of this session that holds it).</summary>
    private bool TryStart(ProcessFormation formation)
    {
        if (!OpenEndpoint(formation)) return false;
        try
        {
            formation.Start();
            return true;
        }
        catch (PortInUseException ex)
        {
            Registry.Forget(formation);
            var record = Errors.Record(ex, "FormationPortInUse", ErrorCategory.ResourceUnavailable, formation.Name);
            var holders = HeldBySession(ex.Ports);
            if (holders.Length > 0)
                record.ErrorDetails = new ErrorDetails($"{Errors.InPowerShellWords(ex.Message)} {string.Join(" ", holders)}");
            WriteError(record);
            return false;
        }
        catch (DescriptorLimitException ex)
        {
            Registry.Forget(formation);
            WriteError(Errors.Record(ex, "FormationDescriptorLimit", ErrorCategory.LimitsExceeded, formation.Name));
            return false;
        }
    }

    /// <summary>
    /// Opens the formation's control endpoint, so `formation ps` and Get-Formation in other shells reach it.
    /// A name already running for this user is an error; an unusable control directory only a warning.
    /// </summary>
    private bool OpenEndpoint(ProcessFormation formation)
    {
        try
        {
            Session.Keep(formation, ControlEndpoint.Open(formation));
            return true;
        }
        catch (FormationNameTakenException ex)
        {
            Registry.Forget(formation);
            WriteError(Errors.Record(ex, "FormationNameInUse", ErrorCategory.ResourceExists, formation.Name));
            return false;
        }
        catch (Exception ex) when (ex is FormationException or IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException or PlatformNotSupportedException)
        {
            WriteWarning($"No control endpoint for formation '{formation.Name}' ({ex.Message}): other shells cannot reach it.");
            return true;
        }
    }

    /// <summary>For each busy port held by a formation of this session: a sentence naming it.</summary>
    private static string[] HeldBySession(IReadOnlyList<int> ports) =>
        ports.SelectMany(port => Registry.Formations.SelectMany(f => f.GetProcesses()
                .Where(p => p.Port == port && p.State is ProcessState.Starting or ProcessState.Running or ProcessState.Ready or ProcessState.Stopping)
                .Select(p => $"Port {port} is held by {p.Name} of formation '{f.Name}' in this session: stop it with Stop-Formation {f.Name}.")))
            .ToArray();

    /// <summary>
    /// Waits until every process is ready, with a progress bar. The engine decides when it never will be: it then
    /// stops the formation, and the wait ends with its outcome as the error. Ctrl+C stops the formation too.
    /// </summary>
    private void WaitUntilReady(ProcessFormation formation)
    {
        try
        {
            Await(formation.WhenReadyAsync(CancelToken), [formation], () => ReadyProgress(formation));
            WriteVerbose($"Formation '{formation.Name}' is ready.");
        }
        catch (FormationFailedException ex)
        {
            WriteError(Errors.NotReady(ex.Outcome, Session.Wrap(formation)));
        }
        catch (PipelineStoppedException)
        {
            // Ctrl+C while waiting: the start is abandoned, and nothing it started is left running when the prompt returns.
            StopInterrupted(formation, "Ctrl+C while waiting for readiness: stopping all processes");
            throw;
        }
    }

    internal static ProgressRecord ReadyProgress(ProcessFormation formation)
    {
        var processes = formation.GetProcesses();
        var ready = processes.Count(p => p.IsReady || p.State == ProcessState.Stopped);
        var waiting = processes.Where(p => !p.IsReady && p.State != ProcessState.Stopped).Select(p => p.Name).Take(5).ToList();
        return new ProgressRecord(0, $"Starting formation '{formation.Name}'", $"{ready} of {processes.Count} processes ready")
        {
            PercentComplete = processes.Count == 0 ? 100 : 100 * ready / processes.Count,
            CurrentOperation = waiting.Count == 0 ? "" : $"waiting for {string.Join(", ", waiting)}",
        };
    }

    /// <summary>Shows rendered lines on the host until the formation ends. Only this thread writes.</summary>
    private void RunInForeground(ProcessFormation formation)
    {
        var colour = Host.UI.SupportsVirtualTerminal && string.IsNullOrEmpty(System.Environment.GetEnvironmentVariable("NO_COLOR"));
        var names = formation.Plan.Instances().Select(x => InstanceName.Of(x.Type.Name, x.Index));
        var formatter = new LogFormatter(names, timestamps: true, colour);
        using var lines = new BlockingCollection<LogLine>(boundedCapacity: 100_000);
        void OnOutput(object? sender, LogLine line) => Offer(lines, line);
        formation.Output += OnOutput;
        _ = formation.Completion.ContinueWith(_ => lines.CompleteAdding(), TaskScheduler.Default);
        // Ctrl+C reaches StopProcessing once; a second one is seen only by a signal registration. The engine's
        // one escalation (the CLI's too): a second request from the user kills; duplicate hangups do not.
        using var interrupts = new Interrupts((action, line) =>
        {
            if (action == InterruptAction.Stop) formation.StopAsync(reason: line, interrupted: true);
            else if (action == InterruptAction.Kill) formation.Kill(line);
            else Offer(lines, new LogLine(DateTimeOffset.Now, formation.Name, LogLine.SystemName, null, LogStream.System, line));
        });
        _waiting = formation;
        try
        {
            if (!TryStart(formation)) return;
            foreach (var line in lines.GetConsumingEnumerable()) Host.UI.WriteLine(formatter.Format(line));
        }
        finally
        {
            formation.Output -= OnOutput;
            _waiting = null;
        }
        if (formation.Outcome is { } outcome && Errors.Outcome(outcome, Session.Wrap(formation)) is { } error) WriteError(error);
        if (!CancelToken.IsCancellationRequested) WriteObject(Session.Wrap(formation));
    }

    /// <summary>Adds a line for the pipeline thread, dropping it quietly once the queue was completed (a stray process writing after the end).</summary>
    private static void Offer(BlockingCollection<LogLine> queue, LogLine item)
    {
        try
        {
            if (!queue.IsAddingCompleted) queue.Add(item);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
        {
        }
    }
}
