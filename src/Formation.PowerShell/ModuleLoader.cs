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
        FormationRegistry.StopAll();
        EngineResolver.Unregister();
    }
}

/// <summary>Routes the engine and its dependencies to the module's own AssemblyLoadContext (no PowerShell types here).</summary>
internal static class EngineResolver
{
    private static readonly string LibDirectory = Path.Combine(Path.GetDirectoryName(typeof(EngineResolver).Assembly.Location)!, "lib");
    private static readonly FormationLoadContext Context = new(LibDirectory);
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
