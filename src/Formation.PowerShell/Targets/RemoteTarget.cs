using Formation.Engine.Configuration;
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
internal sealed class RemoteTarget(FormationInfo info) : FormationTarget
{
    private Task? _completion;

    public override string Name => info.Name;
    public override int? OwnerProcessId => info.OwnerProcessId;
    public override EngineState State => Completion.IsCompleted ? EngineState.Stopped : Ask(c => Task.FromResult(c.Info.State), EngineState.Stopped);
    public override string Procfile => info.Procfile;
    public override string WorkingDirectory => info.WorkingDirectory;
    public override IReadOnlyDictionary<string, int> Scale => Completion.IsCompleted ? info.Scale : Ask(c => Task.FromResult(c.Info.Scale), info.Scale);
    public override DateTimeOffset? StartTime => info.StartTime;

    public override IReadOnlyList<EngineProcess> Processes() => Completion.IsCompleted ? [] : Ask<IReadOnlyList<EngineProcess>>(async c => await c.GetProcessesAsync().ConfigureAwait(false), []);
    public override IReadOnlyList<string> Types() => [.. Scale.Keys];

    public override IReadOnlyList<LogLine> Log() => Call(async c =>
    {
        var lines = new List<LogLine>();
        await foreach (var line in c.GetLogAsync(null, int.MaxValue, follow: false).ConfigureAwait(false)) lines.Add(line);
        return (IReadOnlyList<LogLine>)lines;
    });

    public override IReadOnlyList<EnvironmentVariable> Environment(string? process, bool showSecrets) => Call(c => c.GetEnvironmentAsync(process, showSecrets));
    public override Task<EngineProcess> StartProcessAsync(string name, CancellationToken cancellationToken) => CallAsync(c => c.StartProcessAsync(name, cancellationToken), cancellationToken);
    public override Task<EngineProcess> StopProcessAsync(string name, TimeSpan? timeout, CancellationToken cancellationToken) => CallAsync(c => c.StopProcessAsync(name, timeout, cancellationToken), cancellationToken);
    public override Task<EngineProcess> RestartProcessAsync(string name, TimeSpan? timeout, CancellationToken cancellationToken) => CallAsync(c => c.RestartProcessAsync(name, timeout, cancellationToken), cancellationToken);
    public override Task<ScaleResult> ScaleAsync(string type, int count, CancellationToken cancellationToken) => CallAsync(c => c.ScaleAsync(type, count, cancellationToken), cancellationToken);
    public override Task StopAsync(TimeSpan? timeout) => CallAsync(c => c.StopAsync(timeout), CancellationToken.None);

    /// <summary>Ends when the formation ends: a follow of its system lines closes then (no polling).</summary>
    public override Task Completion => _completion ??= Task.Run(async () =>
    {
        try
        {
            await using var client = await FormationClient.ConnectAsync(info.Name).ConfigureAwait(false);
            await foreach (var _ in client.GetLogAsync([LogLine.SystemName], 0, follow: true).ConfigureAwait(false))
            {
            }
        }
        catch (FormationException)
        {
            // Not running (any more): it has ended.
        }
    });

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

    /// <summary>What a property reads: the answer, or <paramref name="ended"/> once the formation is no longer running.</summary>
    private T Ask<T>(Func<FormationClient, Task<T>> call, T ended)
    {
        try
        {
            return Call(call);
        }
        catch (FormationNotRunningException)
        {
            return ended;
        }
    }

    private T Call<T>(Func<FormationClient, Task<T>> call) => CallAsync(call, CancellationToken.None).GetAwaiter().GetResult();

    private async Task<T> CallAsync<T>(Func<FormationClient, Task<T>> call, CancellationToken cancellationToken)
    {
        await using var client = await FormationClient.ConnectAsync(info.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
        return await call(client).ConfigureAwait(false);
    }
}
