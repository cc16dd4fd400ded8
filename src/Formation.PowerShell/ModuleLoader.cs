using System.Management.Automation;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

namespace Formation.PowerShell;

/// <summary>
/// Loads the engine and its dependencies from the module's <c>lib</c> folder into the module's own
/// AssemblyLoadContext, so Formation imports cleanly beside a module that ships another version of a
/// shared dependency (YamlDotNet: powershell-yaml, PlatyPS). On removal it stops every formation the
/// module started.
/// </summary>
public sealed class ModuleLoader : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    public void OnImport() => EngineResolver.Register();

    public void OnRemove(PSModuleInfo module)
    {
        Session.StopAll();
        EngineResolver.Unregister();
    }
}

/// <summary>
/// Routes the engine to the module's own AssemblyLoadContext (no PowerShell types here). The default
/// context asks it only for what Formation.dll itself references from <c>lib/</c> (the engine); everything
/// the engine needs (YamlDotNet, …) is then loaded by the module's context from <c>lib/</c>, so another
/// version of YamlDotNet loaded by another module, before or after this one, never meets ours.
/// Import-Module reflects over Formation.dll's public types before <see cref="ModuleLoader.OnImport"/> runs;
/// that works because no public member of Formation.dll names an engine type (a test checks it).
/// </summary>
internal static class EngineResolver
{
    private static readonly string LibDirectory = Path.Combine(Path.GetDirectoryName(typeof(EngineResolver).Assembly.Location)!, "lib");
    private static readonly FormationLoadContext Context = new(LibDirectory);
    private static readonly HashSet<string> Owned = typeof(EngineResolver).Assembly.GetReferencedAssemblies()
        .Select(a => a.Name!).Where(n => File.Exists(Path.Combine(LibDirectory, $"{n}.dll"))).ToHashSet(StringComparer.Ordinal);
    private static int _registered;

    /// <summary>Runs when Formation.dll is first used, so the handler is in place before any engine type is needed.</summary>
#pragma warning disable CA2255 // Deliberate: the handler must exist before PowerShell resolves any engine type.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 0) AssemblyLoadContext.Default.Resolving += Resolve;
    }

    internal static void Unregister()
    {
        if (Interlocked.Exchange(ref _registered, 0) == 1) AssemblyLoadContext.Default.Resolving -= Resolve;
    }

    private static Assembly? Resolve(AssemblyLoadContext context, AssemblyName name)
    {
        if (name.Name is null || !Owned.Contains(name.Name)) return null;
        var path = Path.Combine(LibDirectory, $"{name.Name}.dll");
        if (!File.Exists(path)) return null;
        var found = AssemblyName.GetAssemblyName(path);
        return found.Version >= name.Version ? Context.LoadFromAssemblyName(name) : null;
    }

    private sealed class FormationLoadContext(string directory) : AssemblyLoadContext("Formation", isCollectible: false)
    {
        protected override Assembly? Load(AssemblyName name)
        {
            var path = Path.Combine(directory, $"{name.Name}.dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
}
