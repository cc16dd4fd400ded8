namespace Formation.Engine.Supervision;

/// <summary>
/// A queue served in order, one item at a time, by a thread of its own: started when an item arrives, ended after
/// <see cref="IdleEnd"/> with nothing to do once it is no longer <see cref="Persistent"/> (an ended formation keeps
/// no thread), and by <see cref="Complete"/> once the queue is empty. The supervisor's loop and the event dispatcher
/// each run on one.
/// </summary>
/// <remarks>
/// Not a Channel read by an async loop: each wake of such a loop is a thread-pool work item, and a pool worker that
/// runs out of work spins (sched_yield) before it sleeps. A start of 50 instances woke the pool a few hundred times
/// and cost thousands of sched_yield calls in pwsh, whose runtime settings (the pool's spin limit) a module cannot
/// change. This thread waits in <see cref="Monitor.Wait(object, TimeSpan)"/>, which sleeps in the kernel at once.
/// </remarks>
internal sealed class SerialQueue<T>
{
    private static readonly TimeSpan IdleEnd = TimeSpan.FromSeconds(5);

    private readonly object _gate = new();
    private readonly Queue<T> _items = new();
    private readonly Action<T> _handle;
    private readonly Action? _drained;
    private readonly string _threadName;
    private readonly bool _serve;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _running;
    private bool _waiting;
    private bool _completed;
    private bool _persistent = true;

    /// <param name="handle">Called for each item, in order, on the queue's thread; it must not throw.</param>
    /// <param name="drained">Called on the queue's thread each time the queue has been emptied.</param>
    /// <param name="threadName">The thread's name (seen in a debugger and in /proc).</param>
    /// <param name="serve">False: no thread; the owner takes the items itself (<see cref="TryTake"/>; scripted tests).</param>
    public SerialQueue(Action<T> handle, Action? drained, string threadName, bool serve = true)
    {
        _handle = handle;
        _drained = drained;
        _threadName = threadName;
        _serve = serve;
    }

    /// <summary>
    /// True (the default) while the thread must outlive idleness: blocked in the kernel it costs no CPU, and starting a
    /// thread later can fail when the process is out of file descriptors (the runtime then throws OutOfMemoryException),
    /// which would leave a running formation unable to handle a stop. Set false once the formation has ended.
    /// </summary>
    public bool Persistent
    {
        set
        {
            lock (_gate)
            {
                _persistent = value;
                if (_waiting) Monitor.Pulse(_gate);
            }
        }
    }

    /// <summary>Completes once <see cref="Complete"/> was called and every item before it was handled.</summary>
    public Task Completion => _completion.Task;

    /// <summary>Queues an item; false once the queue is completed (the item is dropped).</summary>
    public bool TryWrite(T item)
    {
        lock (_gate)
        {
            if (_completed) return false;
            _items.Enqueue(item);
            Wake();
        }
        return true;
    }

    /// <summary>Takes no more items; <see cref="Completion"/> completes once those queued are handled.</summary>
    public void Complete()
    {
        var now = false;
        lock (_gate)
        {
            if (_completed) return;
            _completed = true;
            if (_running || (_serve && _items.Count > 0)) Wake();
            else now = true;
        }
        if (now) _completion.TrySetResult();
    }

    /// <summary>Takes the next item on the caller's thread (a queue made with <c>serve: false</c>).</summary>
    public bool TryTake(out T item)
    {
        lock (_gate) return _items.TryDequeue(out item!);
    }

    private void Wake()
    {
        if (!_serve) return;
        if (_waiting) Monitor.Pulse(_gate);
        else if (!_running)
        {
            _running = true;
            new Thread(Serve, 512 * 1024) { IsBackground = true, Name = _threadName }.Start();
        }
    }

    private void Serve()
    {
        while (true)
        {
            T item;
            lock (_gate)
            {
                while (_items.Count == 0)
                {
                    if (_completed)
                    {
                        _running = false;
                        _completion.TrySetResult();
                        return;
                    }
                    _waiting = true;
                    var woken = _persistent ? Monitor.Wait(_gate, Timeout.Infinite) : Monitor.Wait(_gate, IdleEnd);
                    _waiting = false;
                    if (!woken && _items.Count == 0 && !_completed && !_persistent)
                    {
                        _running = false;
                        return;
                    }
                }
                item = _items.Dequeue();
            }
            _handle(item);
            bool empty;
            lock (_gate) empty = _items.Count == 0;
            if (empty) _drained?.Invoke();
        }
    }
}
