using Formation.Engine.Configuration;
using Formation.Engine.Os;

namespace Formation.Engine.Supervision;

/// <summary>
/// The registry of formations a host runs. Disposing it, or the host process exiting normally, stops
/// every formation it started.
/// </summary>
public sealed class FormationRegistry : IAsyncDisposable, IDisposable
{
    private readonly object _gate = new();
    private readonly List<ProcessFormation> _formations = [];
    private readonly TimeProvider _time;
    private bool _disposed;

    public FormationRegistry(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    /// <summary>
    /// Makes this process the reaper of its orphaned descendants (Linux), so the grandchildren of a
    /// stopped shell are reaped at once rather than by PID 1. Only for a host that runs nothing else
    /// (the CLI): afterwards every child of the process is reaped here.
    /// </summary>
    public static bool BecomeSubreaper() => ChildReaper.BecomeSubreaper();

    /// <summary>
    /// After <see cref="BecomeSubreaper"/>: stops the processes that were re-parented to this process
    /// because they left their group and their parent died (a daemon that called setsid), so that nothing
    /// the formations started outlives the host. SIGTERM, then SIGKILL after <paramref name="grace"/>.
    /// Returns them (pid and command name) so the host can say what it stopped.
    /// </summary>
    public static Task<IReadOnlyList<(int Pid, string Name)>> StopAdoptedOrphansAsync(TimeSpan grace) =>
        // HOOK(i11, issue 11.3): each adopted orphan is stopped with the group and session it leads.
        Escapes.StopAsync(marker: null, adopted: true, grace);

    /// <summary>The formations, running or ended, that have not been removed.</summary>
    public IReadOnlyList<ProcessFormation> Formations
    {
        get { lock (_gate) return _formations.ToArray(); }
    }

    public ProcessFormation? Find(string name)
    {
        lock (_gate) return _formations.Find(f => f.Name == name);
    }

    /// <summary>Checks the options, then starts the formation.</summary>
    /// <exception cref="FormationConfigException">The Procfile, .env files or options are invalid.</exception>
    /// <exception cref="FormationException">A formation of that name is running.</exception>
    public ProcessFormation Start(FormationOptions options) => Start(FormationPlan.Create(options));

    /// <summary>Starts a checked plan.</summary>
    /// <exception cref="FormationException">A formation of that name is running, or a PORT is in use.</exception>
    public ProcessFormation Start(FormationPlan plan)
    {
        var formation = Add(plan);
        try
        {
            formation.Start();
        }
        catch (FormationException)
        {
            Forget(formation);
            throw;
        }
        return formation;
    }

    /// <summary>Removes a formation that never started (its Start threw), so its name can be used again.</summary>
    public void Forget(ProcessFormation formation)
    {
        lock (_gate) _formations.Remove(formation);
        formation.Dispose();
    }

    /// <summary>
    /// Registers a formation without starting it, so a host can subscribe to its events first;
    /// then call <see cref="ProcessFormation.Start"/>.
    /// </summary>
    /// <exception cref="FormationException">A formation of that name is running.</exception>
    public ProcessFormation Add(FormationPlan plan)
    {
        ProcessFormation formation;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_formations.Find(f => f.Name == plan.Name) is { } existing)
            {
                if (!existing.Completion.IsCompleted)
                    throw new FormationNameTakenException($"A formation named '{plan.Name}' is already running. Stop it first, or give the new one another name.");
                _formations.Remove(existing);
            }
            formation = new ProcessFormation(plan, _time);
            _formations.Add(formation);
        }
        return formation;
    }

    /// <summary>Stops the formation if it runs and forgets it.</summary>
    public async Task RemoveAsync(ProcessFormation formation)
    {
        await formation.DisposeAsync().ConfigureAwait(false);
        lock (_gate) _formations.Remove(formation);
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
        }
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        await Task.WhenAll(Formations.Select(f => f.DisposeAsync().AsTask())).ConfigureAwait(false);
        lock (_gate) _formations.Clear();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private void OnProcessExit(object? sender, EventArgs e) => Dispose();
}
