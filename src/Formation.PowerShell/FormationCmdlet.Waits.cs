using System.Management.Automation;
using Formation.Engine.Supervision;

namespace Formation.PowerShell;

/// <summary>Waits on engine tasks from the pipeline thread: Ctrl+C ends them, progress is refreshed on events.</summary>
public abstract partial class FormationCmdlet
{
    /// <summary>How often, at most, a wait refreshes its progress bar.</summary>
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Waits for an engine task on the pipeline thread; Ctrl+C stops the wait.</summary>
    private protected T Await<T>(Task<T> task)
    {
        Await((Task)task);
        return task.GetAwaiter().GetResult();
    }

    /// <summary>
    /// Waits for an engine task on the pipeline thread; Ctrl+C stops the wait. While it waits, state changes of a
    /// process of <paramref name="watched"/> have <paramref name="progress"/> refresh the progress bar, at most
    /// every <see cref="RefreshInterval"/>: a burst of changes (100 instances starting) wakes this thread once, not
    /// once per change, and with no change it sleeps (no polling).
    /// </summary>
    private protected void Await(Task task, IReadOnlyList<ProcessFormation>? watched = null, Func<ProgressRecord?>? progress = null)
    {
        using var refresh = new SemaphoreSlim(0);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long shownAt = 0;
        var armed = 0;
        using var timer = new Timer(_ =>
        {
            Volatile.Write(ref armed, 0);
            try
            {
                refresh.Release();
            }
            catch (ObjectDisposedException)
            {
                // The wait ended meanwhile.
            }
        });
        void OnChanged(object? sender, ProcessStateChangedEventArgs e)
        {
            // The first change after a refresh arms the timer for the rest of the interval; the others ride along.
            if (Interlocked.Exchange(ref armed, 1) == 1) return;
            var due = RefreshInterval - TimeSpan.FromTicks(clock.Elapsed.Ticks - Volatile.Read(ref shownAt));
            try
            {
                timer.Change(due > TimeSpan.Zero ? due : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
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
            while (!task.IsCompleted)
            {
                if (progress?.Invoke() is { } record)
                {
                    WriteProgress(record);
                    Volatile.Write(ref shownAt, clock.Elapsed.Ticks);
                }
                var woke = refresh.WaitAsync(CancelToken);
                Task.WaitAny([task, woke], CancellationToken.None);
                if (CancelToken.IsCancellationRequested) throw new PipelineStoppedException();
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
