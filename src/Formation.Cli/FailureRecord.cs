using Formation.Engine.Supervision;

namespace Formation.Cli;

/// <summary>
/// Remembers the instances that ended <c>Failed</c> (could not start, or gave up restarting), so that
/// <c>formation start</c> names them on stderr and exits non-zero when the formation ends, even when
/// the user stopped it with Ctrl+C. Thread-safe: state changes arrive on the engine's threads.
/// </summary>
internal sealed class FailureRecord
{
    private readonly Dictionary<string, FormationProcess> _failed = new(StringComparer.Ordinal);

    public void Observe(FormationProcess process)
    {
        lock (_failed)
        {
            if (process.State == ProcessState.Failed) _failed[process.Name] = process;
            else if (process.State is ProcessState.Starting or ProcessState.Running) _failed.Remove(process.Name);
        }
    }

    /// <summary>Writes one line per failed instance to stderr and returns the exit code (the README's table).</summary>
    public int Report(FormationResult result)
    {
        FormationProcess[] failed;
        lock (_failed) failed = [.. _failed.Values];
        var couldNotStart = false;
        foreach (var p in failed)
        {
            // A spawn that failed leaves no exit status; a run that gave up restarting has one.
            var neverRan = p.ExitCode is null && p.Signal is null;
            couldNotStart |= neverRan;
            Program.Fail(0, $"{p.Name} {(neverRan ? "could not start" : "failed")}: {p.FailureReason ?? "no reason recorded"}");
        }
        if (result.Reason == FormationEndReason.ExitOnError) return result.ExitCode;
        if (couldNotStart) return ExitCodes.CouldNotStart;
        return failed.Length > 0 ? ExitCodes.ProcessFailed : result.ExitCode;
    }
}
