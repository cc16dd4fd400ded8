namespace Formation.Engine;

/// <summary>An operation on a formation that cannot be done (a name in use, an unknown process).</summary>
public class FormationException : Exception
{
    public FormationException(string message) : base(message) { }
    public FormationException(string message, Exception inner) : base(message, inner) { }
}
