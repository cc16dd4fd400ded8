namespace Formation.Engine.Supervision;

/// <summary>A process instance changed state.</summary>
public sealed class ProcessStateChangedEventArgs(FormationProcess process, ProcessState? previousState) : EventArgs
{
    /// <summary>The instance as it is now.</summary>
    public FormationProcess Process { get; } = process;

    /// <summary>The state before, or null for a new instance.</summary>
    public ProcessState? PreviousState { get; } = previousState;
}
