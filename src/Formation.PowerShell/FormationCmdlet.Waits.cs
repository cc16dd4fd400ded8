using System.Management.Automation;
using Formation.Engine.Supervision;

namespace Formation.PowerShell;

/// <summary>Waits on engine tasks from the pipeline thread: Ctrl+C ends them, progress is refreshed on events.</summary>
public abstract partial class FormationCmdlet
{
    /// <summary>Waits for an engine task on the pipeline thread; Ctrl+C stops the wait.</summary>
    private protected T Await<T>(Task<T> task)
    {
        Await((Task)task);
        return task.GetAwaiter().GetResult();
    }

    /// <summary>
    /// Waits for an engine task on the pipeline thread; Ctrl+C stops the wait. While it waits, each state
    /// change of a process of <paramref name="watched"/> calls <paramref name="progress"/> to refresh the
    /// progress bar (no polling: the wait wakes on the formation's events).
    /// </summary>
    private protected void Await(Task task, IReadOnlyList<ProcessFormation>? watched = null, Func<ProgressRecord?>? progress = null)
    {
        using var changed = new SemaphoreSlim(0);
        void OnChanged(object? sender, ProcessStateChangedEventArgs e)
        {
            try
            {
                changed.Release();
            }
            catch (ObjectDisposedException)
            {
                // An event already on its way when the wait ended.
            }
        }
        if (progress is not null && watched is not null)
            foreach (var f in watched) f.ProcessStateChanged += OnChanged;
        try
        {
            // Progress is refreshed on the formation's events, at most every 100 ms: a burst of state changes
            // (100 instances starting) costs one refresh, not one per change.
            TimeSpan? shown = null;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (!task.IsCompleted)
            {
                if (progress is not null && (shown is null || clock.Elapsed - shown >= TimeSpan.FromMilliseconds(100)) && progress() is { } record)
                {
                    WriteProgress(record);
                    shown = clock.Elapsed;
                }
                var woke = changed.WaitAsync(CancelToken);
                Task.WaitAny([task, woke], CancellationToken.None);
                if (CancelToken.IsCancellationRequested) throw new PipelineStoppedException();
                while (changed.CurrentCount > 0) changed.Wait(0);
            }
            if (progress?.Invoke() is { } done)
            {
                done.RecordType = ProgressRecordType.Completed;
                WriteProgress(done);
            }
            task.GetAwaiter().GetResult();
        }
        finally
        {
            if (watched is not null)
                foreach (var f in watched) f.ProcessStateChanged -= OnChanged;
        }
    }

    /// <summary>
    /// After Ctrl+C ended a wait that started <paramref name="formation"/>: stops it as interrupted and returns once
    /// it has ended, so nothing it started outlives the prompt. Bounded: the stop timeout, then SIGKILL.
    /// </summary>
    private protected static void StopInterrupted(ProcessFormation formation, string reason)
    {
        var ended = formation.StopAsync(reason: reason, interrupted: true);
        // An ordered stop takes the stop timeouts along the longest after chain, one after another.
        ended.Wait(formation.Plan.LongestStop() + TimeSpan.FromSeconds(10));
    }
}
