using System.Management.Automation;
using Formation.Engine.Configuration;
using Formation.Engine.Supervision;

namespace Formation.PowerShell.Commands;

/// <summary>Waits until formations end (or, with -Ready, until every process is ready), then writes them.</summary>
[Cmdlet(VerbsLifecycle.Wait, "Formation", DefaultParameterSetName = NameSet)]
[OutputType(typeof(ProcessFormation))]
public sealed class WaitFormationCommand : FormationTargetCmdlet
{
    private readonly List<ProcessFormation> _targets = [];

    /// <summary>How long to wait: seconds, '500ms', '2m' or a TimeSpan. Default: no limit.</summary>
    [Parameter]
    public DurationArgument? Timeout { get; set; }

    /// <summary>Wait until every process is ready (readiness probes passed, tasks done) instead of until the end.</summary>
    [Parameter]
    public SwitchParameter Ready { get; set; }

    protected override void ProcessRecord() => _targets.AddRange(Targets().Where(f => !_targets.Contains(f)));

    protected override void EndProcessing()
    {
        if (Ready)
        {
            WaitReady();
            return;
        }
        var all = Task.WhenAll(_targets.Select(f => f.Completion));
        try
        {
            Await(Timeout is { } t ? all.WaitAsync(t.Value) : all);
        }
        catch (TimeoutException)
        {
            foreach (var f in _targets.Where(f => !f.Completion.IsCompleted))
            {
                WriteError(new ErrorRecord(new TimeoutException($"Formation '{f.Name}' did not end within {Timeout!.Value}."),
                    "FormationWaitTimeout", ErrorCategory.OperationTimeout, f));
            }
        }
        WriteObject(_targets.Where(f => f.Completion.IsCompleted).ToArray(), enumerateCollection: true);
    }

    private void WaitReady()
    {
        foreach (var f in _targets)
        {
            var ready = f.WhenReadyAsync(CancelToken);
            try
            {
                Await(Timeout is { } t ? ready.WaitAsync(t.Value) : ready);
                WriteObject(f);
            }
            catch (TimeoutException)
            {
                WriteError(new ErrorRecord(new TimeoutException($"Formation '{f.Name}' was not ready within {Timeout!.Value}."),
                    "FormationWaitTimeout", ErrorCategory.OperationTimeout, f));
            }
            catch (FormationException ex)
            {
                WriteError(new ErrorRecord(ex, "FormationNotReady", ErrorCategory.OperationStopped, f));
            }
        }
    }
}
