using System.Runtime.CompilerServices;
using Formation.Engine.Supervision;

namespace Formation.PowerShell;

/// <summary>The one registry of formations for this PowerShell process; it outlives single commands.</summary>
internal static class FormationRegistry
{
    private static readonly object Gate = new();
    private static readonly ConditionalWeakTable<ProcessFormation, Formation> Handles = new();
    private static FormationEngine? _engine;

    public static FormationEngine Engine
    {
        get
        {
            lock (Gate) return _engine ??= new FormationEngine();
        }
    }

    /// <summary>The formations of this session, as the module's objects (one object per formation).</summary>
    public static IReadOnlyList<Formation> Formations => Engine.Formations.Select(Wrap).ToList();

    public static Formation? Find(string name) => Engine.Find(name) is { } f ? Wrap(f) : null;

    /// <summary>The module's object for an engine formation: always the same one, so -eq and Contains work.</summary>
    public static Formation Wrap(ProcessFormation formation) => Handles.GetValue(formation, f => new Formation(f));

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
