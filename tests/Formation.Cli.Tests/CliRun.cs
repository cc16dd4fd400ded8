using System.Collections.Concurrent;
using System.Diagnostics;
using Formation.Engine.Os;
using Formation.Engine.Tests.Support;

namespace Formation.Cli.Tests;

/// <summary>
/// Runs the real <c>formation</c> binary (<c>dotnet formation.dll</c>, or the native build named by
/// <c>FORMATION_CLI</c>) with pipes, as a user or CI would, and collects its output. Waits are bounded;
/// disposal kills it if it is still running.
/// </summary>
public sealed class CliRun : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly TaskCompletionSource _outputClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(Func<string, bool> Match, TaskCompletionSource Done)> _waiters = [];
    private int _openStreams = 2;

    public CliRun(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args)
        : this(workingDirectory, environment, null, args)
    {
    }

    /// <summary>Runs formation with its soft and hard limit on open files set to <paramref name="openFiles"/> (ulimit -n).</summary>
    public CliRun(string workingDirectory, IReadOnlyDictionary<string, string> environment, int? openFiles, params string[] args)
    {
        var psi = new ProcessStartInfo(openFiles is null ? Program[0] : "/bin/sh")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (openFiles is { } limit)
            foreach (var a in new[] { "-c", $"ulimit -n {limit} && exec \"$@\"", "sh", Program[0] }) psi.ArgumentList.Add(a);
        foreach (var a in Program.Skip(1)) psi.ArgumentList.Add(a);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment.Clear();
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        _process = new Process { StartInfo = psi };
        _process.OutputDataReceived += (_, e) => Received(_stdout, e.Data);
        _process.ErrorDataReceived += (_, e) => Received(_stderr, e.Data);
        _process.Start();
        _process.StandardInput.Close();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>
    /// The command that runs formation: the native binary that <c>FORMATION_CLI</c> names (build.ps1's native
    /// suite sets it to out/aot/formation), else <c>dotnet formation.dll</c> of this build.
    /// </summary>
    public static readonly string[] Program = System.Environment.GetEnvironmentVariable("FORMATION_CLI") is { Length: > 0 } native
        ? [native]
        : ["dotnet", Path.Combine(AppContext.BaseDirectory, "formation.dll")];

    public int Pid => _process.Id;
    public IReadOnlyList<string> Stdout => _stdout.ToArray();
    public IReadOnlyList<string> Stderr => _stderr.ToArray();

    /// <summary>Waits for a stdout line that matches; fails with what was printed after the bound.</summary>
    public async Task UntilStdout(Func<string, bool> match, string what)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            if (_stdout.Any(match)) return;
            _waiters.Add((match, tcs));
        }
        try
        {
            await tcs.Task.WaitAsync(Patience);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"Timed out waiting for {what}.\nstdout:\n{string.Join("\n", Stdout)}\nstderr:\n{string.Join("\n", Stderr)}");
        }
    }

    public void Signal(string name) => Assert.True(ProcessGroups.SignalProcess(_process.Id, Signals.Number(name)), "signal not delivered");

    /// <summary>The exit code, once the process has exited and both its output streams are read to the end.</summary>
    public async Task<int> ExitCode()
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(Patience);
            await _outputClosed.Task.WaitAsync(Patience);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"formation did not exit.\nstdout:\n{string.Join("\n", Stdout)}\nstderr:\n{string.Join("\n", Stderr)}");
        }
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private void Received(ConcurrentQueue<string> queue, string? line)
    {
        if (line is null)
        {
            if (Interlocked.Decrement(ref _openStreams) == 0) _outputClosed.TrySetResult();
            return;
        }
        queue.Enqueue(line);
        if (queue != _stdout) return;
        lock (_waiters)
        {
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (!_waiters[i].Match(line)) continue;
                _waiters[i].Done.TrySetResult();
                _waiters.RemoveAt(i);
            }
        }
    }
}

/// <summary>A scratch app directory and the leak check every CLI test gets.</summary>
public abstract class CliTest : IAsyncLifetime
{
    private readonly List<CliRun> _runs = [];

    protected CliTest()
    {
        Token = $"formation-cli-test-{Guid.NewGuid():N}";
        Dir = Directory.CreateTempSubdirectory("formation-cli-").FullName;
    }

    protected string Token { get; }
    protected string Dir { get; }

    protected Dictionary<string, string> Environment => new()
    {
        ["PATH"] = System.Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin",
        ["HOME"] = System.Environment.GetEnvironmentVariable("HOME") ?? Dir,
        ["LANG"] = "C.UTF-8",
        // The assembly's private control directory, never the user's (Support/PrivateControlDirectory.cs).
        [PrivateControlDirectory.Variable] = PrivateControlDirectory.Path,
        [LeakScanner.TokenVariable] = Token,
    };

    /// <summary><see cref="Environment"/> with a control directory of the test's own (XDG_RUNTIME_DIR), never the user's.</summary>
    protected Dictionary<string, string> PrivateEnvironment
    {
        get
        {
            var run = Directory.CreateDirectory(Path.Combine(Dir, "run")).FullName;
            File.SetUnixFileMode(run, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var environment = Environment;
            environment["XDG_RUNTIME_DIR"] = run;
            return environment;
        }
    }

    protected string Write(string name, string text)
    {
        var path = Path.Combine(Dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    protected CliRun Run(params string[] args) => RunWith(Environment, args);

    protected CliRun RunWith(IReadOnlyDictionary<string, string> environment, params string[] args) => RunWith(null, environment, args);

    /// <summary>Runs formation with <c>ulimit -n <paramref name="openFiles"/></c> (when given).</summary>
    protected CliRun RunWith(int? openFiles, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var run = new CliRun(Dir, environment, openFiles, args);
        _runs.Add(run);
        return run;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var run in _runs) await run.DisposeAsync();
        var leaked = await LeakScanner.WaitUntilGoneAsync(Token, TimeSpan.FromSeconds(3));
        Directory.Delete(Dir, recursive: true);
        Assert.True(leaked.Count == 0, $"The test left {leaked.Count} process(es) running: {string.Join("; ", leaked)}");
    }
}
