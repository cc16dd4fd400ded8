using Formation.Engine.Output;

namespace Formation.Engine.Supervision;

/// <summary>
/// What subscribers see, in order, one at a time: output batches (from the readers), the manager's own
/// lines and state changes (from the supervisor's loop), and the end. One queue, one dispatching thread per
/// formation (<see cref="SerialQueue{T}"/>), so a subscriber that blocks holds up only its own formation's events.
/// </summary>
internal sealed class EventDispatcher
{
    private readonly SerialQueue<object> _queue;
    private readonly ProcessFormation _owner;
    private readonly TimeProvider _time;
    private readonly OutputFlow _flow;

    public EventDispatcher(ProcessFormation owner, TimeProvider time, OutputFlow flow, int logBufferSize)
    {
        _owner = owner;
        _time = time;
        _flow = flow;
        SystemLog = new LogBuffer(logBufferSize);
        _queue = new SerialQueue<object>(Dispatch, owner.RaiseDrained, "formation events");
    }

    public string Formation => _owner.Name;
    public DateTimeOffset Now => _time.GetLocalNow();

    /// <summary>The manager's own lines (<c>system</c>), as kept for GetLog.</summary>
    public LogBuffer SystemLog { get; }

    /// <summary>Queues a batch of a process's lines; false when dispatching has ended (the batch is dropped, not counted).</summary>
    public bool Output(ManagedProcess process, LogLine[] lines, long weight) => _queue.TryWrite(new OutputBatch(process, lines, weight));

    /// <summary>A line of the manager's own.</summary>
    public void System(string text) => _queue.TryWrite(new LogLine(Now, Formation, LogLine.SystemName, null, LogStream.System, text));

    /// <summary>Whether anyone subscribes to state changes (a change nobody hears needs no snapshot).</summary>
    public bool WantsStateChanges => _owner.HasStateChangedHandlers;

    public void StateChanged(ProcessStateChangedEventArgs change) => _queue.TryWrite(change);

    /// <summary>The formation ended: completes <see cref="ProcessFormation.Completion"/> after every event before it.</summary>
    public void Ended(FormationOutcome outcome) => _queue.TryWrite(new End(outcome));

    /// <summary>Ends dispatching once the queue is empty.</summary>
    public Task CompleteAsync()
    {
        _queue.Complete();
        return _queue.Completion;
    }

    private void Dispatch(object item)
    {
        switch (item)
        {
            case OutputBatch batch:
                foreach (var line in batch.Lines)
                {
                    batch.Process.Log.Add(line);
                    _owner.RaiseOutput(line);
                }
                _flow.Delivered(batch.Weight);
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
                _queue.Persistent = false; // an ended formation keeps no thread once its events are quiet
                break;
        }
    }

    private sealed record OutputBatch(ManagedProcess Process, LogLine[] Lines, long Weight);

    private sealed record End(FormationOutcome Outcome);
}
