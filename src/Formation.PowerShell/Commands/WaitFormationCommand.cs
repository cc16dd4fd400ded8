using System.Management.Automation;
using Formation.Engine.Supervision;

namespace Formation.PowerShell.Commands;

/// <summary>Waits until formations end (every process ended, or stopped), then writes them.</summary>
[Cmdlet(VerbsLifecycle.Wait, "Formation", DefaultParameterSetName = NameSet)]
[OutputType(typeof(ProcessFormation))]
public sealed class WaitFormationCommand : FormationTargetCmdlet
{
    private readonly List<ProcessFormation> _targets = [];

    /// <summary>How long to wait: seconds, '500ms', '2m' or a TimeSpan. Default: no limit.</summary>
    [Parameter]
    public DurationArgument? Timeout { get; set; }

    protected override void ProcessRecord() => _targets.AddRange(Targets().Where(f => !_targets.Contains(f)));

    protected override void EndProcessing()
    {
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
}
