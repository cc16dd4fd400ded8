using Formation.Engine.Supervision;

namespace Formation.PowerShell;

/// <summary>The one registry of formations for this PowerShell process; it outlives single commands.</summary>
internal static class FormationRegistry
{
    private static readonly object Gate = new();
    private static FormationEngine? _engine;

    public static FormationEngine Engine
    {
        get
        {
            lock (Gate) return _engine ??= new FormationEngine();
        }
    }

    /// <summary>Stops every formation and forgets them (Remove-Module Formation).</summary>
    public static void StopAll()
    {
        FormationEngine? engine;
        lock (Gate)
        {
            engine = _engine;
            _engine = null;
        }
        engine?.Dispose();
    }
}
