namespace Formation.Engine;

/// <summary>An operation on a formation that cannot be done (a name in use, an unknown process).</summary>
public class FormationException : Exception
{
    public FormationException(string message) : base(message) { }
    public FormationException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A formation of that name is already running for this user (in this host, or elsewhere: its endpoint's lock is held).</summary>
public sealed class FormationNameTakenException(string message) : FormationException(message);

/// <summary>A PORT that a type uses is held by another process, and the start was not forced.</summary>
public sealed class PortInUseException(string message, IReadOnlyList<int> ports) : FormationException(message)
{
    /// <summary>The ports found in use, lowest first.</summary>
    public IReadOnlyList<int> Ports { get; } = ports;
}

/// <summary>The instances to start or add cannot all get their file descriptors within the limit (ulimit -n); nothing changed.</summary>
public sealed class DescriptorLimitException(string message) : FormationException(message);
