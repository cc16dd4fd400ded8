using Formation.Engine.Output;
using Formation.Engine.Supervision;
using EngineProcess = Formation.Engine.Supervision.FormationProcess;
using EngineVariable = Formation.Engine.Supervision.EnvironmentVariable;
using EngineFormationState = Formation.Engine.Supervision.FormationState;
using EngineProcessState = Formation.Engine.Supervision.ProcessState;
using EngineRestartPolicy = Formation.Engine.Configuration.RestartPolicy;

namespace Formation.PowerShell;

/// <summary>Turns the engine's snapshots into the module's own objects (the only place that maps one to the other).</summary>
internal static class Objects
{
    public static FormationProcess From(EngineProcess p)
    {
        var live = p.State is EngineProcessState.Starting or EngineProcessState.Running or EngineProcessState.Ready or EngineProcessState.Stopping;
        return new FormationProcess
        {
            Formation = p.Formation,
            Name = p.Name,
            Type = p.Type,
            Index = p.Index,
            ProcessId = live ? p.ProcessId : null,
            LastProcessId = p.ProcessId,
            State = StateOf(p),
            ExitCode = live ? null : p.ExitCode,
            Signal = live ? null : p.Signal,
            StartTime = p.StartTime,
            ExitTime = live ? null : p.ExitTime,
            Uptime = p.Uptime,
            Restarts = p.Restarts,
            Port = p.Port,
            Command = p.Command,
            IsReady = p.IsReady,
            IsTask = p.IsTask,
            LastOutput = [.. p.LastOutput],
            FailureReason = p.FailureReason ?? (p.State == EngineProcessState.Stopped && p.StartTime is null ? "The formation stopped before this instance started." : null),
            NextRestart = p.NextRestart,
            CPU = live ? p.CPU : null,
            Memory = live ? p.Memory : null,
            SnapshotTime = p.SnapshotTime,
        };
    }

    public static FormationProcessState StateOf(EngineProcess p) =>
        p.State == EngineProcessState.Stopped && p.StartTime is null ? FormationProcessState.NotStarted : Map<EngineProcessState, FormationProcessState>(p.State);

    /// <summary>The engine's state (once ended, its outcome's end), in the module's words.</summary>
    public static FormationState StateOf(FormationAccess f) => f.Outcome is { } o
        ? Map<FormationEnd, FormationState>(o.End)
        : Map<EngineFormationState, FormationState>(f.State);

    public static FormationEndCause CauseOf(OutcomeCause cause) => Map<OutcomeCause, FormationEndCause>(cause);

    public static FormationLogRecord From(LogLine l, string prefix = "") => new()
    {
        Timestamp = l.Timestamp,
        Formation = l.Formation,
        Process = l.Process,
        Type = l.Type,
        Stream = Map<LogStream, FormationLogStream>(l.Stream),
        Line = l.Line,
        Prefix = prefix.Length > 0 ? prefix : l.Process,
    };

    public static FormationEnvironmentVariable From(EngineVariable v, string formation) => new()
    {
        Name = v.Name,
        Value = v.Value,
        Source = v.Source,
        Process = v.Process,
        Formation = formation,
    };

    public static EngineRestartPolicy? ToEngine(FormationRestartPolicy? policy) =>
        policy is { } p ? Map<FormationRestartPolicy, EngineRestartPolicy>(p) : null;

    /// <summary>One enum to another of the same member names.</summary>
    private static TTo Map<TFrom, TTo>(TFrom value) where TFrom : struct, Enum where TTo : struct, Enum =>
        Enum.Parse<TTo>(value.ToString());
}
