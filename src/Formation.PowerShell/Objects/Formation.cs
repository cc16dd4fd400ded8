using System.Collections.ObjectModel;
using EngineFormation = Formation.Engine.Supervision.ProcessFormation;

namespace Formation.PowerShell;

/// <summary>
/// A formation started in this session: a live handle whose properties read the formation as it is now
/// (State, Processes, ExitCode), so <c>$f.State</c> after <c>Stop-Formation $f</c> says Stopped. Pipe it to
/// Get-FormationProcess, Stop-Formation, Wait-Formation, Set-FormationScale or Get-FormationLog.
/// </summary>
public sealed class Formation
{
    internal Formation(EngineFormation engine) => Engine = engine;

    /// <summary>The engine's formation; internal so that the module's public surface names no engine type.</summary>
    internal EngineFormation Engine { get; }

    public string Name => Engine.Name;

    public FormationState State => Objects.StateOf(Engine);

    /// <summary>The Procfile's full path.</summary>
    public string Procfile => Engine.Procfile;

    /// <summary>The directory the processes run in.</summary>
    public string WorkingDirectory => Engine.WorkingDirectory;

    /// <summary>PORT of the first type's first instance; each further type adds 100.</summary>
    public int BasePort => Engine.BasePort;

    /// <summary>Instances per type (the formation's scale).</summary>
    public ReadOnlyDictionary<string, int> Scale => new(Engine.Scale.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal));

    public DateTimeOffset? StartTime => Engine.StartTime;

    /// <summary>Time since the start, to the end once it has ended.</summary>
    public TimeSpan? Uptime => StartTime is { } start ? (EndTime ?? DateTimeOffset.Now) - start : null;

    /// <summary>When the formation ended, once it has.</summary>
    public DateTimeOffset? EndTime => Engine.Completion.IsCompleted ? _endTime ??= DateTimeOffset.Now : null;

    private DateTimeOffset? _endTime;

    /// <summary>Every process instance, as it is now.</summary>
    public FormationProcess[] Processes => Engine.GetProcesses().Select(Objects.From).ToArray();

    /// <summary>Once ended: 0 when stopped on request or every process ended well; otherwise the failing code (see about_Formation).</summary>
    public int? ExitCode => Engine.Result?.ExitCode;

    /// <summary>Once ended by a failure: what failed, in words, with the process's last output lines when it has them.</summary>
    public string? FailureReason => Objects.FailureOf(Engine);

    /// <summary>The process whose end ended the formation, when one did.</summary>
    public string? FailedProcess => State == FormationState.Failed ? Engine.Result?.Process : null;

    /// <summary>Where the formation runs: <c>Local</c> for one started in this session.</summary>
    public string Owner => "Local";

    public override string ToString() => Name;
}
