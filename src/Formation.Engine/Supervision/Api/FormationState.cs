namespace Formation.Engine.Supervision;

/// <summary>The life of a formation; once it has ended, the state is its outcome's <see cref="FormationEnd"/>.</summary>
public enum FormationState
{
    Running,
    Stopping,

    /// <summary>Stopped on request (or interrupted), and nothing failed.</summary>
    Stopped,

    /// <summary>Ended by itself: every process ended, or one ended with code 0 under exit-on-error.</summary>
    Completed,

    /// <summary>Ended with a failure: see the formation's outcome.</summary>
    Failed,
}
