using System.Diagnostics;

namespace Formation.Engine.Tests.Support;

/// <summary>
/// A real, small file system that fills up: <c>mount -t tmpfs -o size=64k</c> on a fresh directory (root only),
/// unmounted on disposal. Where mounting is not permitted the test is skipped, saying why.
/// </summary>
public sealed class SmallTmpfs : IDisposable
{
    public SmallTmpfs(string size = "64k")
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("formation-tmpfs-").FullName;
        var (code, error) = Run("mount", "-t", "tmpfs", "-o", $"size={size},mode=0755", "tmpfs", Directory);
        if (code == 0) return;
        System.IO.Directory.Delete(Directory);
        Skip.If(true, $"A full disk is tested on a small tmpfs, and mounting one is not permitted here (mount exited {code}: {error.Trim()}); run as root with CAP_SYS_ADMIN.");
    }

    public string Directory { get; }

    public void Dispose()
    {
        if (Run("umount", Directory).Code != 0) Run("umount", "-l", Directory);
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private static (int Code, string Error) Run(string program, params string[] args)
    {
        try
        {
            var psi = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in args) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var error = p.StandardError.ReadToEndAsync();
            p.StandardOutput.ReadToEnd();
            if (!p.WaitForExit(TimeSpan.FromSeconds(30))) p.Kill();
            p.WaitForExit();
            return (p.ExitCode, error.Result);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-1, ex.Message);
        }
    }
}
