using System.Runtime.CompilerServices;

namespace Formation.Engine.Tests.Support;

/// <summary>
/// Tests never see, list or stop the user's own formations. Before any code of a test assembly runs (each
/// test project compiles this file), XDG_RUNTIME_DIR points at a fresh private directory (0700) of that
/// assembly: every control endpoint a test opens, in this process or in a child that inherits the
/// environment, is there, and `Get-Formation` or `formation ls` in a test lists only what the assembly
/// started. It holds for `dotnet test` alone as for build.ps1 (which gives each run a private directory too).
/// </summary>
internal static class PrivateControlDirectory
{
    public const string Variable = "XDG_RUNTIME_DIR";

    /// <summary>XDG_RUNTIME_DIR as the test process got it (null when unset): where the user's formations are, unless a harness set it.</summary>
    public static string? Outer { get; private set; }

    /// <summary>This assembly's private directory, now XDG_RUNTIME_DIR.</summary>
    public static string Path { get; private set; } = "";

#pragma warning disable CA2255 // A test assembly's initializer is the one place that runs before every test.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Isolate()
    {
        Outer = Environment.GetEnvironmentVariable(Variable);
        // mkdtemp: a new directory, mode 0700, owned by this user.
        Path = Directory.CreateTempSubdirectory("formation-tests-").FullName;
        Environment.SetEnvironmentVariable(Variable, Path);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A socket of a formation that is still ending: the temp directory's cleaner takes it.
            }
        };
    }
}
