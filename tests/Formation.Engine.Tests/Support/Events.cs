using System.Collections.Concurrent;
using Formation.Engine.Output;
using Formation.Engine.Supervision;

namespace Formation.Engine.Tests.Support;

/// <summary>Records a formation's events and waits on them with a bound.</summary>
public sealed class Events
{
    private readonly ConcurrentQueue<LogLine> _lines = new();
    private readonly ConcurrentQueue<ProcessStateChangedEventArgs> _changes = new();
    private readonly List<(Func<bool> Condition, TaskCompletionSource Done)> _waiters = [];

    public Events(ProcessFormation formation)
    {
        formation.Output += (_, line) =>
        {
            _lines.Enqueue(line);
            Check();
        };
        formation.ProcessStateChanged += (_, change) =>
        {
            _changes.Enqueue(change);
            Check();
        };
    }

    public IReadOnlyList<LogLine> Lines => _lines.ToArray();
    public IReadOnlyList<LogLine> SystemLines => _lines.Where(l => l.Stream == LogStream.System).ToArray();
    public IReadOnlyList<ProcessStateChangedEventArgs> Changes => _changes.ToArray();

    public IReadOnlyList<string> LinesOf(string process) => _lines.Where(l => l.Process == process).Select(l => l.Line).ToArray();

    /// <summary>Completes when the condition holds (checked at every event); fails the test after the bound.</summary>
    public async Task Until(Func<Events, bool> condition, string what, TimeSpan? bound = null)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters) _waiters.Add((() => condition(this), tcs));
        Check();
        try
        {
            await tcs.Task.WaitAsync(bound ?? ProcessTest.Patience);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"Timed out waiting for {what}. System lines:\n{string.Join("\n", SystemLines.Select(l => l.Line))}");
        }
    }

    public Task UntilState(string process, ProcessState state) =>
        Until(e => e.Changes.Any(c => c.Process.Name == process && c.Process.State == state), $"{process} to be {state}");

    public Task UntilLine(string process, string text) =>
        Until(e => e.LinesOf(process).Contains(text), $"'{text}' from {process}");

    private void Check()
    {
        lock (_waiters)
        {
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (!_waiters[i].Condition()) continue;
                _waiters[i].Done.TrySetResult();
                _waiters.RemoveAt(i);
            }
        }
    }
}
