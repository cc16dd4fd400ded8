namespace Formation.Engine.Control;

/// <summary>No formation answers at an endpoint: none was ever there, or its owner died (a stale socket).</summary>
public sealed class FormationNotRunningException(string message, string socketPath) : FormationException(message)
{
    public string SocketPath { get; } = socketPath;
}

/// <summary>
/// The formation's owner did not answer within <see cref="FormationClient.AnswerTimeout"/>: it is stopped
/// (SIGSTOP, a debugger) or too busy. Nothing was changed by this client after the silence began.
/// </summary>
public sealed class FormationNotAnsweringException(string message) : FormationException(message);

/// <summary>
/// The connection to a formation closed before the answer came: its owner ended without stopping the
/// formation (killed), so what the request asked may or may not have happened.
/// </summary>
public sealed class FormationOwnerLostException(string message) : FormationException(message);
