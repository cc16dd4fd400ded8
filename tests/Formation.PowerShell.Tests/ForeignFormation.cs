using System.Diagnostics;
using Formation.Engine.Tests.Support;

namespace Formation.PowerShell.Tests;

/// <summary>
/// A formation of the user's, as a `formation start` in another terminal runs it: the real CLI, with the
/// control directory the test process was given (the user's, not the tests' private one). Disposing stops it
/// the way its user would (`formation stop --name`) and waits (bounded) for its end.
/// </summary>
internal sealed class ForeignFormation : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly Process _owner;
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ForeignFormation(string procfile, string token)
    {
        Name = $"foreign-{Guid.NewGuid():N}"[..20];
        _owner = new Process { StartInfo = Cli(token, "start", "-f", procfile, "--name", Name, "--no-timestamp") };
        _owner.StartInfo.RedirectStandardOutput = true;
        _owner.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains(" started with pid ", StringComparison.Ordinal) == true) _started.TrySetResult();
        };
        _owner.Start();
        _owner.BeginOutputReadLine();
    }

    public string Name { get; }

    public bool HasExited => _owner.HasExited;

    /// <summary>Starts it and returns once its first process has started (its endpoint is open by then).</summary>
    public static ForeignFormation Start(string procfile, string token)
    {
        var foreign = new ForeignFormation(procfile, token);
        if (!foreign._started.Task.Wait(Patience))
        {
            foreign.Dispose();
            throw new TimeoutException($"The foreign formation '{foreign.Name}' did not start within {Patience}.");
        }
        return foreign;
    }

    public void Dispose()
    {
        if (!_owner.HasExited)
        {
            using var stop = Process.Start(Cli(null, "stop", "--name", Name))!;
            if (!stop.WaitForExit(Patience)) stop.Kill();
            if (!_owner.WaitForExit(Patience)) _owner.Kill(entireProcessTree: true);
        }
        _owner.Dispose();
    }

    /// <summary>
    /// `dotnet formation.dll ARGS` with the environment the test process got: XDG_RUNTIME_DIR as it was before
    /// the assembly made its own (unset: the CLI's default, /tmp/formation-UID).
    /// </summary>
    private static ProcessStartInfo Cli(string? token, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardInput = true };
        psi.ArgumentList.Add(CliPath);
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (PrivateControlDirectory.Outer is { } outer) psi.Environment[PrivateControlDirectory.Variable] = outer;
        else psi.Environment.Remove(PrivateControlDirectory.Variable);
        if (token is not null) psi.Environment[LeakScanner.TokenVariable] = token;
        return psi;
    }

    /// <summary>The CLI of this checkout, in the configuration of the tests (the project reference builds it).</summary>
    private static string CliPath
    {
        get
        {
            // .../tests/Formation.PowerShell.Tests/bin/<configuration>/net10.0/
            var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var configuration = output.Parent!.Name;
            var root = output.Parent.Parent!.Parent!.Parent!.Parent!.FullName;
            var path = Path.Combine(root, "src", "Formation.Cli", "bin", configuration, "net8.0", "formation.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"The formation CLI is not built: {path}.", path);
        }
    }
}
