using Formation.Engine;
using Formation.Engine.Control;
using Formation.Engine.Output;
using Formation.Engine.Supervision;
using EngineProcess = Formation.Engine.Supervision.FormationProcess;
using EngineState = Formation.Engine.Supervision.FormationState;

namespace Formation.PowerShell;

/// <summary>
/// A formation of this user that runs in another process, reached through its control endpoint. Each call
/// connects, asks, and closes (a round trip of a few milliseconds); the formation's own process does the work.
/// Every call has the client's deadline (an owner that is stopped cannot hang a pipeline), and a wait
/// learns how the formation ended (<see cref="Outcome"/>) from the owner itself.
/// </summary>
internal sealed class RemoteAccess(FormationInfo info) : FormationAccess
{
    private volatile bool _ended;
    private FormationException? _lost;
    private FormationOutcome? _outcome;

    public override string Name => info.Name;
    public override int? OwnerProcessId => info.OwnerProcessId;
    public override bool HasEnded => _ended;
    public override EngineState State => Ask(c => Task.FromResult(c.Info.State), Lost is null ? EngineState.Stopped : EngineState.Failed);

    /// <summary>Set when a wait found the owner gone without an outcome (killed): the formation ended, and not by a stop.</summary>
    public override FormationException? Lost => Volatile.Read(ref _lost);
    public override string Procfile => info.Procfile;
    public override string WorkingDirectory => info.WorkingDirectory;
    public override IReadOnlyDictionary<string, int> Scale => Ask(c => Task.FromResult(c.Info.Scale), info.Scale);
    public override DateTimeOffset? StartTime => info.StartTime;
    public override int? BasePort => info.BasePort;

    /// <summary>How it ended, once a wait or a stop through this object has heard it from the owner.</summary>
    public override FormationOutcome? Outcome => Volatile.Read(ref _outcome);

    public override IReadOnlyList<EngineProcess> Processes() => Ask<IReadOnlyList<EngineProcess>>(async c => await c.GetProcessesAsync().ConfigureAwait(false), []);
    public override IReadOnlyList<string> Types() => [.. Scale.Keys];

    public override IReadOnlyList<LogLine> Log() => Ask<IReadOnlyList<LogLine>>(async c =>
    {
        var lines = new List<LogLine>();
        await foreach (var line in c.GetLogAsync(null, int.MaxValue, follow: false).ConfigureAwait(false)) lines.Add(line);
        return lines;
    }, []);

    public override IReadOnlyList<EnvironmentVariable> Environment(string? process, bool showSecrets) => Call(c => c.GetEnvironmentAsync(process, showSecrets));
    public override Task<EngineProcess> StartProcessAsync(string name, CancellationToken cancellationToken) => CallAsync(c => c.StartProcessAsync(name, cancellationToken), cancellationToken);
    public override Task<EngineProcess> StopProcessAsync(string name, TimeSpan? timeout, CancellationToken cancellationToken) => CallAsync(c => c.StopProcessAsync(name, timeout, cancellationToken), cancellationToken);
    public override Task<EngineProcess> RestartProcessAsync(string name, TimeSpan? timeout, CancellationToken cancellationToken) => CallAsync(c => c.RestartProcessAsync(name, timeout, cancellationToken), cancellationToken);
    public override Task<ScaleResult> ScaleAsync(string type, int count, CancellationToken cancellationToken) => CallAsync(c => c.ScaleAsync(type, count, cancellationToken), cancellationToken);
    public override Task<ReloadPlan> ReloadAsync(bool dryRun, CancellationToken cancellationToken) => CallAsync(c => c.ReloadAsync(dryRun, cancellationToken), cancellationToken);

    /// <summary>Stops it; one that has already ended counts as stopped.</summary>
    public override async Task StopAsync(TimeSpan? timeout)
    {
        try
        {
            Ended(await CallAsync(c => c.StopAsync(timeout), CancellationToken.None).ConfigureAwait(false));
        }
        catch (FormationNotRunningException)
        {
            _ended = true;
        }
    }

    /// <summary>Completes when the owner says the formation has ended, with how (no polling); the wait closes when it is cancelled.</summary>
    public override async Task WhenEndedAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var client = await FormationClient.ConnectAsync(info.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
            Ended(await client.WaitAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (FormationNotRunningException)
        {
            // Not running any more: it has ended, and nobody is left to say how.
        }
        catch (FormationOwnerLostException ex)
        {
            // Its owner ended without stopping it (killed): it has ended, nobody is left to say how, and that is an error.
            Volatile.Write(ref _lost, ex);
        }
        cancellationToken.ThrowIfCancellationRequested();
        _ended = true;
    }

    public override IDisposable Follow(Action<LogLine> line)
    {
        var stop = new CancellationTokenSource();
        _ = Task.Run(async () =>
        {
            try
            {
                await using var client = await FormationClient.ConnectAsync(info.Name, cancellationToken: stop.Token).ConfigureAwait(false);
                await foreach (var l in client.GetLogAsync(null, 0, follow: true, stop.Token).ConfigureAwait(false)) line(l);
            }
            catch (Exception ex) when (ex is FormationException or OperationCanceledException or IOException)
            {
                // The formation ended, or the follower stopped.
            }
        });
        return new Cancel(stop);
    }

    private void Ended(FormationOutcome outcome)
    {
        Volatile.Write(ref _outcome, outcome);
        _ended = true;
    }

    private sealed class Cancel(CancellationTokenSource source) : IDisposable
    {
        public void Dispose()
        {
            source.Cancel();
            source.Dispose();
        }
    }

    /// <summary>What a property reads: the answer, or <paramref name="ended"/> once the formation is no longer running or answering.</summary>
    private T Ask<T>(Func<FormationClient, Task<T>> call, T ended)
    {
        if (_ended) return ended;
        try
        {
            return Call(call);
        }
        catch (FormationNotRunningException)
        {
            _ended = true;
            return ended;
        }
        catch (FormationException)
        {
            return ended;
        }
    }

    /// <summary>A read: the client's deadline holds, so a stopped or paused owner cannot hang the pipeline.</summary>
    private T Call<T>(Func<FormationClient, Task<T>> call) => CallAsync(call, CancellationToken.None).GetAwaiter().GetResult();

    private async Task<T> CallAsync<T>(Func<FormationClient, Task<T>> call, CancellationToken cancellationToken)
    {
        await using var client = await FormationClient.ConnectAsync(info.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
        return await call(client).ConfigureAwait(false);
    }
}
