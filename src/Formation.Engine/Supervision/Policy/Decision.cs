namespace Formation.Engine.Supervision;

/// <summary>What the policy decides; the supervisor carries it out.</summary>
internal abstract record Decision
{
    public sealed record ScheduleRestart(IProcessView Process, TimeSpan Delay, IReadOnlyList<DateTimeOffset> Ends) : Decision;

    /// <summary>No more restarts: the instance becomes Failed with the reason.</summary>
    public sealed record GiveUp(IProcessView Process, string Reason, IReadOnlyList<DateTimeOffset> Ends) : Decision;

    public sealed record Spawn(IProcessView Process) : Decision;

    /// <summary>Start the type's instances (it was pending); the line says why, when it waited.</summary>
    public sealed record StartType(string Type, string? Line) : Decision;

    /// <summary>Stop every process; the formation ends with the outcome (unless a failure recorded meanwhile outranks it).</summary>
    public sealed record EndFormation(FormationOutcome Outcome, string Line) : Decision;

    public sealed record KillGroup(int Pgid, string Line) : Decision;

    /// <summary>A stop under way signals the running instances of these types now (the line says so).</summary>
    public sealed record StopTypes(IReadOnlyList<string> Types, string Line) : Decision;
}
