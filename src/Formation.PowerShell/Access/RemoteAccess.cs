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
/// </summary>
internal sealed class RemoteAccess(FormationInfo info) : FormationAccess
{
    /// <summary>How long a read (a property, a listing) waits for another process's answer.</summary>
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(5);

    private volatile bool _ended;

    public override string Name => info.Name;
    public override int? OwnerProcessId => info.OwnerProcessId;
    public override bool HasEnded => _ended;
    public override EngineState State => Ask(c => Task.FromResult(c.Info.State), EngineState.Stopped);
    public override string Procfile => info.Procfile;
    public override string WorkingDirectory => info.WorkingDirectory;
    public override IReadOnlyDictionary<string, int> Scale => Ask(c => Task.FromResult(c.Info.Scale), info.Scale);
    public override DateTimeOffset? StartTime => info.StartTime;
    public override int? BasePort => info.BasePort;

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
            await CallAsync(c => c.StopAsync(timeout), CancellationToken.None).ConfigureAwait(false);
        }
        catch (FormationNotRunningException)
        {
        }
        _ended = true;
    }

    /// <summary>Follows its system lines until it ends (no polling); the follow closes when the wait is cancelled.</summary>
    public override async Task WhenEndedAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var client = await FormationClient.ConnectAsync(info.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
            await foreach (var _ in client.GetLogAsync([LogLine.SystemName], 0, follow: true, cancellationToken).ConfigureAwait(false))
            {
            }
        }
        catch (FormationException)
        {
            // Not running (any more): it has ended.
        }
        catch (IOException)
        {
            // The connection closed with the formation.
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

    /// <summary>A read: at most <see cref="ReadTimeout"/>, so a stopped or paused owner cannot hang the pipeline.</summary>
    private T Call<T>(Func<FormationClient, Task<T>> call)
    {
        using var timeout = new CancellationTokenSource(ReadTimeout);
        return CallAsync(call, timeout.Token).GetAwaiter().GetResult();
    }

    private async Task<T> CallAsync<T>(Func<FormationClient, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            await using var client = await FormationClient.ConnectAsync(info.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
            return await call(client).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new FormationException($"Formation '{info.Name}' (pid {info.OwnerProcessId}) is not answering.");
        }
    }
}
