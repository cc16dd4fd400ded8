namespace Formation.Engine.Supervision;

/// <summary>
/// One turn at a time per instance name: start, stop and restart of <c>web.1</c> wait for each other, whatever
/// thread, runspace or control connection asks, while other instances go on. A gate lives only while someone
/// holds or waits for it.
/// </summary>
internal sealed class InstanceGates
{
    private readonly Dictionary<string, (SemaphoreSlim Gate, int Users)> _gates = new(StringComparer.Ordinal);

    /// <summary>Waits for the instance's turn; disposing the result ends it.</summary>
    public async Task<IDisposable> EnterAsync(string name, CancellationToken cancellationToken)
    {
        SemaphoreSlim gate;
        lock (_gates)
        {
            var (g, users) = _gates.TryGetValue(name, out var entry) ? entry : (new SemaphoreSlim(1, 1), 0);
            _gates[name] = (g, users + 1);
            gate = g;
        }
        try
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Leave(name, release: false);
            throw;
        }
        return new Turn(this, name);
    }

    private void Leave(string name, bool release)
    {
        lock (_gates)
        {
            var (gate, users) = _gates[name];
            if (release) gate.Release();
            if (users == 1)
            {
                _gates.Remove(name);
                gate.Dispose();
            }
            else _gates[name] = (gate, users - 1);
        }
    }

    private sealed class Turn(InstanceGates owner, string name) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0) owner.Leave(name, release: true);
        }
    }
}
