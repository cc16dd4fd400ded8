namespace Formation.Engine.Supervision;

/// <summary>The life of one process instance.</summary>
public enum ProcessState
{
    /// <summary>Being spawned.</summary>
    Starting,

    /// <summary>Spawned and not yet ended (a type without a readiness probe is ready when running).</summary>
    Running,

    /// <summary>Its readiness probe passed (TCP, HTTP or an output line).</summary>
    Ready,

    /// <summary>Asked to stop; waiting for its process group to end.</summary>
    Stopping,

    /// <summary>Ended by itself with exit code 0.</summary>
    Exited,

    /// <summary>Ended by itself with a non-zero code or a signal.</summary>
    Crashed,

    /// <summary>Could not start, or crashed too often and is no longer restarted.</summary>
    Failed,

    /// <summary>Stopped on request.</summary>
    Stopped,
}
