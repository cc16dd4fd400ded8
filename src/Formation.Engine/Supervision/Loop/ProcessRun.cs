using Formation.Engine.Os;

namespace Formation.Engine.Supervision;

/// <summary>
/// One run of an instance: a spawned process group and its output readers. Created by the spawn edge;
/// its completions are set by the supervisor's loop, its reader count by the readers.
/// </summary>
internal sealed class ProcessRun(int pid, DateTimeOffset started, SpawnedChild? child)
{
    private readonly TaskCompletionSource _readersDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _openStreams = 2;

    /// <summary>The leader's pid, which is also the group id.</summary>
    public int Pid { get; } = pid;

    public DateTimeOffset Started { get; } = started;

    /// <summary>The pipes, handed to the readers once the loop has taken the run in (none in a scripted history).</summary>
    public SpawnedChild? Child { get; } = child;

    /// <summary>Cancelled when the run ends or becomes ready: stops its readiness probe.</summary>
    public CancellationTokenSource Probe { get; } = new();

    /// <summary>Completes true when the run is ready, false when it ended or timed out first.</summary>
    public TaskCompletionSource<bool> Ready { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the leader's exit has been handled.</summary>
    public TaskCompletionSource<WaitStatus> Exited { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Matches output lines against the ready pattern, off the reader thread, while the probe waits.</summary>
    public volatile ReadyMatcher? Matcher;

    /// <summary>Set by the loop when a stop was asked for: the exit report then skips the scan for leftovers.</summary>
    public volatile bool StopRequested;

    public ITimer? ReadyTimer { get; set; }

    /// <summary>Completes when both output pipes reached end of file.</summary>
    public Task ReadersDone => _readersDone.Task;

    /// <summary>Called by each of the two readers when its pipe reaches end of file.</summary>
    public void ReaderFinished()
    {
        if (Interlocked.Decrement(ref _openStreams) == 0) _readersDone.TrySetResult();
    }

    /// <summary>Stops the readiness probe (output matching, TCP/HTTP polling and the timeout).</summary>
    public void StopProbe()
    {
        Matcher?.Complete();
        Matcher = null;
        ReadyTimer?.Dispose();
        Probe.Cancel();
    }
}
