namespace Formation.Engine.Supervision;

/// <summary>A formation failed (or can never be ready): the engine's outcome, thrown by the waits that promised success.</summary>
public sealed class FormationFailedException(FormationOutcome outcome) : FormationException(outcome.Describe())
{
    /// <summary>How the formation ended.</summary>
    public FormationOutcome Outcome { get; } = outcome;
}
