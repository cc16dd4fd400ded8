namespace Formation.PowerShell;

/// <summary>
/// Remove-Formation's error FormationProcessesLeft: processes of the formation (in its process groups, or
/// carrying its FORMATION_ID) were still running after its stop and SIGKILL. <see cref="ProcessIds"/> lists them.
/// </summary>
public sealed class FormationProcessesLeftException : Exception
{
    public FormationProcessesLeftException(string message, int[] processIds) : base(message) => ProcessIds = processIds;

    public FormationProcessesLeftException() : this("Processes of the formation are still running.", []) { }

    public FormationProcessesLeftException(string message) : this(message, []) { }

    public FormationProcessesLeftException(string message, Exception inner) : base(message, inner) => ProcessIds = [];

    /// <summary>The pids still running.</summary>
    public int[] ProcessIds { get; }
}
