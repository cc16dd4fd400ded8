namespace Formation.Engine.Os;

/// <summary>
/// Learns when signalled process groups are gone. The kernel gives no event for the last member of a group
/// ending (it is not our child), so while some group is awaited one task reads <c>/proc</c> once per tick for
/// all of them, not once per group; with nothing awaited it does nothing.
/// </summary>
internal static class GroupWatch
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(20);
    private static readonly object Gate = new();
    private static readonly Dictionary<int, TaskCompletionSource> Awaited = [];
    private static bool _polling;

    /// <summary>Completes when no live (not zombie) process is left in the group.</summary>
    public static Task WhenGone(int pgid)
    {
        if (Native.kill(-pgid, 0) != 0) return Task.CompletedTask;
        lock (Gate)
        {
            if (!Awaited.TryGetValue(pgid, out var gone))
            {
                Awaited[pgid] = gone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            if (!_polling)
            {
                _polling = true;
                _ = Task.Run(PollAsync);
            }
            return gone.Task;
        }
    }

    private static async Task PollAsync()
    {
        while (true)
        {
            var live = Native.IsLinux ? ProcessGroups.LiveGroupIds() : null;
            lock (Gate)
            {
                foreach (var pgid in Awaited.Keys.ToArray())
                {
                    var alive = live?.Contains(pgid) ?? Native.kill(-pgid, 0) == 0;
                    if (alive) continue;
                    Awaited.Remove(pgid, out var gone);
                    gone!.TrySetResult();
                }
                if (Awaited.Count == 0)
                {
                    _polling = false;
                    return;
                }
            }
            await Task.Delay(Tick).ConfigureAwait(false);
        }
    }
}
