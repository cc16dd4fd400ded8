using Formation.Engine.Configuration;
using Formation.Engine.Output;
using Formation.Engine.Supervision;
using EngineProcess = Formation.Engine.Supervision.FormationProcess;
using EngineState = Formation.Engine.Supervision.FormationState;

namespace Formation.PowerShell;

/// <summary>A formation started in this session: the engine's object, called directly.</summary>
internal sealed class LocalAccess(ProcessFormation formation) : FormationAccess
{
    public override string Name => formation.Name;
    public override ProcessFormation? Local => formation;
    public override EngineState State => formation.State;
    public override string Procfile => formation.Procfile;
    public override string WorkingDirectory => formation.WorkingDirectory;
    public override IReadOnlyDictionary<string, int> Scale => formation.Scale;
    public override DateTimeOffset? StartTime => formation.StartTime;
    public override int? BasePort => formation.BasePort;
    public override FormationOptions Options => formation.Plan.Options;
    public override FormationOutcome? Outcome => formation.Outcome;
    public override IReadOnlyList<EngineProcess> Processes() => formation.GetProcesses();
    public override IReadOnlyList<string> Types() => formation.Plan.Procfile.Types.Select(t => t.Name).ToArray();
    public override IReadOnlyList<LogLine> Log() => formation.GetLog();
    public override IReadOnlyList<EnvironmentVariable> Environment(string? process, bool showSecrets) => formation.GetEnvironment(process, showSecrets);
    public override Task<EngineProcess> StartProcessAsync(string name, CancellationToken cancellationToken) => formation.StartProcessAsync(name, cancellationToken);
    public override Task<EngineProcess> StopProcessAsync(string name, TimeSpan? timeout, CancellationToken cancellationToken) => formation.StopProcessAsync(name, timeout, cancellationToken);
    public override Task<EngineProcess> RestartProcessAsync(string name, TimeSpan? timeout, CancellationToken cancellationToken) => formation.RestartProcessAsync(name, timeout, cancellationToken);
    public override Task<ScaleResult> ScaleAsync(string type, int count, CancellationToken cancellationToken) => formation.ScaleAsync(type, count, cancellationToken);
    public override Task<ReloadPlan> ReloadAsync(bool dryRun, CancellationToken cancellationToken) => formation.ReloadAsync(dryRun, cancellationToken);
    public override Task StopAsync(TimeSpan? timeout) => formation.StopAsync(timeout);
    public override bool HasEnded => formation.Completion.IsCompleted;
    public override Task WhenEndedAsync(CancellationToken cancellationToken) => formation.Completion.WaitAsync(cancellationToken);

    public override IDisposable Follow(Action<LogLine> line)
    {
        void OnOutput(object? sender, LogLine l) => line(l);
        formation.Output += OnOutput;
        return new Unsubscribe(() => formation.Output -= OnOutput);
    }

    private sealed class Unsubscribe(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
