using System.Threading.Channels;
using Formation.Engine.Output;

namespace Formation.Engine.Supervision;

/// <summary>
/// What subscribers see, in order, one at a time: output batches (from the readers), the manager's own
/// lines and state changes (from the supervisor's loop), and the end. One queue, one dispatching task per
/// formation, so a subscriber that blocks holds up only its own formation's events.
/// </summary>
internal sealed class EventDispatcher
{
    private readonly Channel<object> _queue = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ProcessFormation _owner;
    private readonly TimeProvider _time;
    private readonly OutputFlow _flow;
    private readonly Task _dispatching;

    public EventDispatcher(ProcessFormation owner, TimeProvider time, OutputFlow flow, int logBufferSize)
    {
        _owner = owner;
        _time = time;
        _flow = flow;
        SystemLog = new LogBuffer(logBufferSize);
        _dispatching = Task.Run(DispatchAsync);
    }

    public string Formation => _owner.Name;
    public DateTimeOffset Now => _time.GetLocalNow();

    /// <summary>The manager's own lines (<c>system</c>), as kept for GetLog.</summary>
    public LogBuffer SystemLog { get; }

    /// <summary>Queues a batch of a process's lines; false when dispatching has ended (the batch is dropped, not counted).</summary>
    public bool Output(ManagedProcess process, LogLine[] lines) => _queue.Writer.TryWrite(new OutputBatch(process, lines));

    /// <summary>A line of the manager's own.</summary>
    public void System(string text) => _queue.Writer.TryWrite(new LogLine(Now, Formation, LogLine.SystemName, null, LogStream.System, text));

    public void StateChanged(ProcessStateChangedEventArgs change) => _queue.Writer.TryWrite(change);

    /// <summary>The formation ended: completes <see cref="ProcessFormation.Completion"/> after every event before it.</summary>
    public void Ended(FormationOutcome outcome) => _queue.Writer.TryWrite(new End(outcome));

    /// <summary>Ends dispatching once the queue is empty.</summary>
    public Task CompleteAsync()
    {
        _queue.Writer.TryComplete();
        return _dispatching;
    }

    private async Task DispatchAsync()
    {
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var item))
            {
                switch (item)
                {
                    case OutputBatch batch:
                        foreach (var line in batch.Lines)
                        {
                            batch.Process.Log.Add(line);
                            _owner.RaiseOutput(line);
                        }
                        _flow.Delivered();
                        break;
                    case LogLine line:
                        SystemLog.Add(line);
                        _owner.RaiseOutput(line);
                        break;
                    case ProcessStateChangedEventArgs change:
                        _owner.RaiseStateChanged(change);
                        break;
                    case End end:
                        _owner.RaiseDrained();
                        _owner.Complete(end.Outcome);
                        break;
                }
            }
            _owner.RaiseDrained();
        }
    }

    private sealed record OutputBatch(ManagedProcess Process, LogLine[] Lines);

    private sealed record End(FormationOutcome Outcome);
}
