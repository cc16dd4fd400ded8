using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Formation.Engine.Os;

/// <summary>
/// Binds the engine's <c>"libc"</c> imports to glibc's <c>libc.so.6</c> on Linux. Left to itself the runtime
/// tries <c>libc.so</c> (a linker script dlopen refuses) and then <c>liblibc.so</c> in every library
/// directory, about 40 failed opens before the first call. The native CLI links libc directly
/// (<c>DirectPInvoke</c>) and never asks.
/// </summary>
internal static class LibcResolver
{
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255", Justification = "The resolver must be in place before the first import of the assembly runs, whichever host loads it.")]
    internal static void Register()
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux)) return;
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(LibcResolver).Assembly, Resolve);
        }
        catch (InvalidOperationException)
        {
            // A resolver was set already (a host's own): it decides.
        }
    }

    /// <summary>glibc's handle, loaded once; zero where there is no <c>libc.so.6</c> (musl: the runtime's own probing finds libc).</summary>
    private static readonly Lazy<IntPtr> Glibc = new(() => NativeLibrary.TryLoad("libc.so.6", out var handle) ? handle : IntPtr.Zero);

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path) =>
        name == "libc" ? Glibc.Value : IntPtr.Zero;
}
