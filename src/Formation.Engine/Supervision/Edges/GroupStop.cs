using Formation.Engine.Os;

namespace Formation.Engine.Supervision;

/// <summary>
/// The stop of one process group, run at the edge: the stop signal, then a wait for the leader's exit and
/// for the group to be gone. At the deadline (or on a kill request) it reports
/// <see cref="Report.StopDeadline"/> and waits for the loop's word (<see cref="Kill"/>) before
/// sending SIGKILL; when the group is gone it reports <see cref="Report.GroupGone"/>.
/// </summary>
internal sealed class GroupStop(string name, int pgid, int signal, TimeSpan timeout, ManagedProcess? process, ProcessRun? run)
{
    private readonly TaskCompletionSource _killOrdered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _gone = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Name { get; } = name;
    public int Pgid { get; } = pgid;
    public int Signal { get; } = signal;
    public TimeSpan Timeout { get; } = timeout;

    /// <summary>The instance whose run this stops; null for a stray group its leader left behind.</summary>
    public ManagedProcess? Process { get; } = process;

    public ProcessRun? Run { get; } = run;

    /// <summary>Completes once the loop has handled the group's end (the instance is Stopped by then).</summary>
    public Task Gone => _gone.Task;

    public void Begin(Action<Report> post, TimeProvider time, CancellationToken killNow) =>
        _ = Task.Run(() => RunAsync(post, time, killNow));

    /// <summary>The loop's decision to SIGKILL the group.</summary>
    public void Kill() => _killOrdered.TrySetResult();

    /// <summary>Called by the loop when it has handled <see cref="Report.GroupGone"/>.</summary>
    public void Handled() => _gone.TrySetResult();

    private async Task RunAsync(Action<Report> post, TimeProvider time, CancellationToken killNow)
    {
        try
        {
            ProcessGroups.Signal(Pgid, Signal);
            if (!await WaitGoneAsync(Timeout, time, killNow).ConfigureAwait(false))
            {
                post(new Report.StopDeadline(this, killNow.IsCancellationRequested));
                await _killOrdered.Task.ConfigureAwait(false);
                ProcessGroups.Signal(Pgid, Signals.Kill);
                await WaitGoneAsync(Configuration.TypeSettings.KillWait, time, CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            Watchdog.Remove(Pgid);
            post(new Report.GroupGone(this));
        }
    }

    private async Task<bool> WaitGoneAsync(TimeSpan timeout, TimeProvider time, CancellationToken token)
    {
        var started = time.GetTimestamp();
        try
        {
            if (Run is not null) await Run.Exited.Task.WaitAsync(timeout, time, token).ConfigureAwait(false);
            var left = timeout - time.GetElapsedTime(started);
            if (left <= TimeSpan.Zero) left = TimeSpan.Zero;
            await GroupWatch.WhenGone(Pgid).WaitAsync(left, time, token).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            return false;
        }
    }
}
