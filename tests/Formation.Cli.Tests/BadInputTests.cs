namespace Formation.Cli.Tests;

/// <summary>Bad input gets a clear error that says where and what to do: never a stack trace.</summary>
public class BadInputTests : CliTest
{
    private static void NoStackTrace(CliRun run)
    {
        Assert.DoesNotContain(run.Stderr, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
        Assert.DoesNotContain(run.Stderr, l => l.Contains("Exception"));
        Assert.DoesNotContain(run.Stdout, l => l.Contains("Exception"));
    }

    [Fact]
    public async Task EmptyProcfile()
    {
        var procfile = Write("Procfile", "");

        var run = Run("start");

        Assert.Equal(1, await run.ExitCode());
        Assert.Contains($"formation: {procfile}: The Procfile defines no process types. Add lines of the form 'type: command', for example 'web: ./server'.", run.Stderr);
        NoStackTrace(run);
    }

    [Fact]
    public async Task BinaryProcfile()
    {
        File.WriteAllBytes(Path.Combine(Dir, "Procfile"), Enumerable.Range(0, 4096).Select(i => (byte)(i * 7919 % 256)).ToArray());

        var run = Run("check");

        Assert.Equal(1, await run.ExitCode());
        Assert.StartsWith($"formation: {Path.Combine(Dir, "Procfile")}:", run.Stderr[0]);
        NoStackTrace(run);
    }

    [Fact]
    public async Task TenMegabyteProcfile_ErrorsAreCapped()
    {
        var line = "this is not a process type line\n";
        Write("Procfile", string.Concat(Enumerable.Repeat(line, 1000 * 1024 / line.Length)));

        var run = Run("check");

        Assert.Equal(1, await run.ExitCode());
        Assert.Equal(20 * 2 + 1, run.Stderr.Count);
        Assert.Matches(@"^formation: \.\.\. and \d+ more errors\.$", run.Stderr[^1]);
        NoStackTrace(run);
    }

    [Fact]
    public async Task BasePortOverflowing65535()
    {
        Write("Procfile", "web: ./web\nworker: ./worker\nclock: ./clock\n");

        var run = Run("start", "-p", "65400");

        Assert.Equal(1, await run.ExitCode());
        Assert.Contains("formation: 'clock' cannot run 1 instances with base port 65400 (option): its ports start at 65600 and at most 0 fit below 65536. Use a lower base port (-p) or fewer instances.", run.Stderr);
        NoStackTrace(run);
    }

    [Fact]
    public async Task PortNotANumber()
    {
        Write("Procfile", "web: ./web\n");

        var run = Run("start", "-p", "http");

        Assert.Equal(2, await run.ExitCode());
        Assert.Contains(run.Stderr, l => l.Contains("http") && l.Contains("--port"));
        NoStackTrace(run);
    }

    [Fact]
    public async Task MissingWorkingDirectory()
    {
        Write("Procfile", "web: ./web\n");

        var run = Run("start", "-d", "nope");

        Assert.Equal(1, await run.ExitCode());
        Assert.Contains($"formation: Working directory '{Path.Combine(Dir, "nope")}' does not exist. Create it or pass another with -d.", run.Stderr);
        NoStackTrace(run);
    }

    [Fact]
    public async Task CommandNotFound_AndPermissionDenied_FailThoseProcesses()
    {
        var script = Write("script.sh", "echo hi\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Write("Procfile", "typo: rials server\nnoexec: ./script.sh\n");

        var run = Run("start");

        Assert.Equal(5, await run.ExitCode());
        Assert.Contains(run.Stderr, l => l.StartsWith("formation: noexec.1 could not start: permission denied: './script.sh' is not executable."));
        Assert.Contains(run.Stdout, l => l.Contains("typo.1 could not start: command not found: 'rials' (searched PATH="));
        Assert.Contains(run.Stdout, l => l.Contains("noexec.1 could not start: permission denied: './script.sh' is not executable"));
        NoStackTrace(run);
    }

    [Fact]
    public async Task BadEnvFileGiven()
    {
        Write("Procfile", "web: ./web\n");

        var run = Run("start", "-e", "missing.env");

        Assert.Equal(1, await run.ExitCode());
        Assert.Contains($"formation: No .env file found at '{Path.Combine(Dir, "missing.env")}'. Check the path given with -e/--env.", run.Stderr);
        NoStackTrace(run);
    }
}
