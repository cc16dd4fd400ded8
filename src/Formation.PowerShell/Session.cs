using System.Runtime.CompilerServices;
using Formation.Engine;
using Formation.Engine.Control;
using Formation.Engine.Supervision;

namespace Formation.PowerShell;

/// <summary>
/// The one registry of formations for this PowerShell process (it outlives single commands), and the way to
/// the user's formations that run elsewhere (their control endpoints).
/// </summary>
internal static class Session
{
    private static readonly object Gate = new();
    private static readonly ConditionalWeakTable<ProcessFormation, Formation> Handles = new();
    private static readonly ConditionalWeakTable<ProcessFormation, ControlEndpoint> Endpoints = new();
    private static FormationRegistry? _engine;

    public static FormationRegistry Registry
    {
        get
        {
            lock (Gate) return _engine ??= new FormationRegistry();
        }
    }

    /// <summary>The formations of this session, as the module's objects (one object per formation).</summary>
    public static IReadOnlyList<Formation> Formations => Registry.Formations.Select(Wrap).ToList();

    /// <summary>The formations of this session, then those of this user that run in other processes (by name).</summary>
    /// <param name="unanswered">Told, on the calling thread, what each formation that did not answer in time said.</param>
    public static IReadOnlyList<Formation> All(Action<string>? unanswered = null)
    {
        var local = Formations;
        return [.. local, .. Remote(unanswered).Where(r => !local.Any(l => l.Name == r.Name))];
    }

    /// <summary>The user's formations reachable through their control endpoints, other than this session's own.</summary>
    /// <param name="unanswered">Told, on the calling thread, what each formation that did not answer in time said.</param>
    public static IReadOnlyList<Formation> Remote(Action<string>? unanswered = null)
    {
        try
        {
            var listing = RunningFormations.ListAsync().GetAwaiter().GetResult();
            foreach (var error in listing.Errors) unanswered?.Invoke(error);
            return listing.Running.Where(i => i.OwnerProcessId != Environment.ProcessId).Select(i => new Formation(new RemoteAccess(i))).ToList();
        }
        catch (Exception ex) when (ex is FormationException or IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            return [];
        }
    }

    /// <summary>A formation of this session by name, else one of this user's that runs elsewhere; null when there is none.</summary>
    public static Formation? Find(string name)
    {
        if (Registry.Find(name) is { } f) return Wrap(f);
        try
        {
            using var client = FormationClient.ConnectAsync(name).GetAwaiter().GetResult();
            return new Formation(new RemoteAccess(client.Info));
        }
        catch (Exception ex) when (ex is FormationException or IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            return null;
        }
    }

    /// <summary>The module's object for an engine formation: always the same one, so -eq and Contains work.</summary>
    public static Formation Wrap(ProcessFormation formation) => Handles.GetValue(formation, f => new Formation(new LocalAccess(f)));

    /// <summary>Keeps a formation's control endpoint as long as the formation (it closes itself when the formation ends).</summary>
    public static void Keep(ProcessFormation formation, ControlEndpoint endpoint) => Endpoints.AddOrUpdate(formation, endpoint);

    /// <summary>Stops every formation and forgets them (Remove-Module Formation).</summary>
    public static void StopAll()
    {
        FormationRegistry? engine;
        lock (Gate)
        {
            engine = _engine;
            _engine = null;
        }
        engine?.Dispose();
    }
}
