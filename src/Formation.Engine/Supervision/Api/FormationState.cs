namespace Formation.Engine.Supervision;

/// <summary>The life of a formation.</summary>
public enum FormationState
{
    Running,
    Stopping,

    /// <summary>Stopped on request.</summary>
    Stopped,

    /// <summary>Ended by itself: every process ended, or one ended under exit-on-error.</summary>
    Completed,
}
