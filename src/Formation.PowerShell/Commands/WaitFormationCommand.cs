using System.Management.Automation;
using Formation.Engine.Supervision;

namespace Formation.PowerShell.Commands;

/// <summary>
/// Waits until formations end (or, with -Ready, until every process is ready), then writes them. A formation
/// that failed (or was not ready) is also an error, so <c>$?</c> is false and <c>-ErrorAction Stop</c> throws.
/// </summary>
[Cmdlet(VerbsLifecycle.Wait, "Formation", DefaultParameterSetName = NameSet)]
[OutputType(typeof(Formation))]
public sealed class WaitFormationCommand : WholeFormationCmdlet
{
    private readonly List<Formation> _selected = [];

    /// <summary>How long to wait: seconds, '500ms', '2m' or a TimeSpan. Default: no limit.</summary>
    [Parameter]
    public DurationArgument? Timeout { get; set; }

    /// <summary>Wait until every process is ready (readiness probes passed, tasks done) instead of until the end.</summary>
    [Parameter]
    public SwitchParameter Ready { get; set; }

    protected override void ProcessRecord() => _selected.AddRange(Selected().Where(f => !_selected.Contains(f)));

    protected override void EndProcessing()
    {
        if (Ready)
        {
            WaitReady();
            return;
        }
        using var done = CancellationTokenSource.CreateLinkedTokenSource(CancelToken);
        var all = Task.WhenAll(_selected.Select(f => f.Access.WhenEndedAsync(done.Token)));
        var local = _selected.Select(f => f.Local).OfType<ProcessFormation>().ToList();
        try
        {
            WriteVerbose($"Waiting for {string.Join(", ", _selected.Select(f => f.Name))} to end.");
            Await(Timeout is { } t ? all.WaitAsync(t.Value) : all, local, () => EndProgress(_selected));
        }
        catch (TimeoutException)
        {
            foreach (var f in _selected.Where(f => !f.Access.HasEnded))
            {
                WriteError(new ErrorRecord(new TimeoutException($"Formation '{f.Name}' did not end within {Timeout!.Value}."),
                    "FormationWaitTimeout", ErrorCategory.OperationTimeout, f));
            }
        }
        done.Cancel();
        foreach (var f in _selected.Where(f => f.Access.HasEnded))
        {
            if (f.Access.Outcome is { } outcome && Errors.Outcome(outcome, f) is { } error) WriteError(error);
            else if (f.Access.Lost is { } lost) WriteError(Errors.Record(lost, "FormationOwnerLost", ErrorCategory.ConnectionError, f));
            WriteObject(f);
        }
    }

    private void WaitReady()
    {
        foreach (var f in _selected)
        {
            if (f.Local is not { } engine)
            {
                WriteError(new ErrorRecord(new InvalidOperationException($"Wait-Formation -Ready waits for formations of this session; '{f.Name}' runs in {f.Owner}. Wait for it where it was started, or without -Ready for its end."),
                    "FormationReadyNotLocal", ErrorCategory.InvalidOperation, f));
                continue;
            }
            var ready = engine.WhenReadyAsync(CancelToken);
            try
            {
                Await(Timeout is { } t ? ready.WaitAsync(t.Value) : ready, [engine], () => StartFormationCommand.ReadyProgress(engine));
                WriteObject(f);
            }
            catch (TimeoutException)
            {
                WriteError(new ErrorRecord(new TimeoutException($"Formation '{f.Name}' was not ready within {Timeout!.Value}."),
                    "FormationWaitTimeout", ErrorCategory.OperationTimeout, f));
            }
            catch (FormationFailedException ex)
            {
                // The engine ended the formation (it can never be ready) and says how.
                WriteError(Errors.NotReady(ex.Outcome, f));
            }
        }
    }

    private static ProgressRecord EndProgress(List<Formation> formations)
    {
        var running = formations.Count(f => !f.Access.HasEnded);
        return new ProgressRecord(3, "Waiting for formations to end", $"{running} of {formations.Count} still running")
        {
            PercentComplete = 100 * (formations.Count - running) / Math.Max(1, formations.Count),
        };
    }
}
