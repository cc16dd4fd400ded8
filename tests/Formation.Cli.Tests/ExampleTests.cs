using Formation.Engine.Tests.Support;

namespace Formation.Cli.Tests;

/// <summary>The README's first command: the example app in examples/ runs, and Ctrl+C ends it cleanly.</summary>
public class ExampleTests : CliTest
{
    [Fact]
    public async Task Example_ReleaseWebWorkersAndClockWorkTogether_InterruptExitsZero()
    {
        CopyExample();
        var run = Run("start", "-f", "Procfile", "-p", "17310");

        await run.UntilStdout(l => l.EndsWith("system    | release.1 exited with code 0"), "the release task to succeed");
        await run.UntilStdout(l => l.Contains("system    | web.1 ready ("), "web to be ready");
        await run.UntilStdout(l => l.Contains("system    | worker.2 started with pid"), "the second worker");
        await run.UntilStdout(l => l.Contains("clock.1   | clock: enqueued job 1"), "the clock's first job");
        await run.UntilStdout(l => l.Contains(": handled job "), "a worker to handle a job");
        run.Signal("INT");

        Assert.Equal(0, await run.ExitCode());
        Assert.Empty(run.Stderr);
        Assert.Empty(LeakScanner.Find(Token));
    }

    /// <summary>The example as committed, in this test's directory (its job queue is then the test's own).</summary>
    private void CopyExample()
    {
        var examples = Path.Combine(RepositoryRoot(), "examples");
        foreach (var file in Directory.EnumerateFiles(examples, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(examples, file);
            if (relative.StartsWith("tmp" + Path.DirectorySeparatorChar, StringComparison.Ordinal)) continue;
            var target = Path.Combine(Dir, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        Assert.True(File.Exists(Path.Combine(Dir, "bin", "web")), "examples/bin/web is missing");
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Formation.sln"))) return dir.FullName;
        throw new InvalidOperationException("Formation.sln not found above " + AppContext.BaseDirectory);
    }
}
