using System.Text.Json;
using Formation.Engine.Tests.Support;

namespace Formation.Cli.Tests;

/// <summary>
/// The tests and the user's own formations never meet: a formation in the user's control directory (a
/// `formation start` in another terminal) is neither listed nor stopped by what the tests run
/// (Support/PrivateControlDirectory.cs). build.ps1 also starts one before every suite and names it in
/// FORMATION_FOREIGN_FORMATION; that one must be invisible here too.
/// </summary>
public class IsolationTests : CliTest
{
    /// <summary>The formation build.ps1 started in the user's directory before the suites, when it did.</summary>
    private static string? HarnessForeign => System.Environment.GetEnvironmentVariable("FORMATION_FOREIGN_FORMATION") is { Length: > 0 } name ? name : null;

    [Fact]
    public void ControlDirectory_OfTheTests_IsAFreshPrivateDirectory_NotTheUsers()
    {
        var dir = System.Environment.GetEnvironmentVariable(PrivateControlDirectory.Variable);

        Assert.Equal(PrivateControlDirectory.Path, dir);
        Assert.NotEqual(PrivateControlDirectory.Outer, dir);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dir!));
        Assert.Equal(PrivateControlDirectory.Path, Environment[PrivateControlDirectory.Variable]);
    }

    [Fact]
    public async Task LsAndStop_AFormationInTheUsersDirectory_AreNeitherListedNorStopped()
    {
        // The user's own environment: XDG_RUNTIME_DIR as the test process got it (unset: /tmp/formation-UID).
        var user = Environment;
        if (PrivateControlDirectory.Outer is { } outer) user[PrivateControlDirectory.Variable] = outer;
        else user.Remove(PrivateControlDirectory.Variable);
        Write("Procfile", "sleeper: exec sleep 300\n");
        var name = $"foreign-{Guid.NewGuid():N}"[..20];
        var foreign = RunWith(user, "start", "--name", name, "--no-timestamp");
        await foreign.UntilStdout(l => l.Contains("sleeper.1 started with pid", StringComparison.Ordinal), "the foreign formation's start");
        try
        {
            var before = await ProcessesAsync(user, name);

            var ls = Run("ls", "--json");
            var stop = Run("stop", "--name", name);

            Assert.Equal(0, await ls.ExitCode());
            Assert.DoesNotContain(Names(ls), n => n == name || n == HarnessForeign);
            Assert.Equal(6, await stop.ExitCode());
            if (HarnessForeign is { } harness) Assert.Equal(6, await Run("stop", "--name", harness).ExitCode());
            var after = await ProcessesAsync(user, name);
            Assert.Equal(before, after);
            Assert.All(after, p => Assert.Equal("Running", p.State));
        }
        finally
        {
            // The user's formation is stopped by whoever started it (this test), in the user's directory, so
            // that it leaves nothing there.
            Assert.Equal(0, await RunWith(user, "stop", "--name", name).ExitCode());
            Assert.Equal(0, await foreign.ExitCode());
        }
    }

    private async Task<List<(string Name, int Pid, string State)>> ProcessesAsync(Dictionary<string, string> environment, string name)
    {
        var ps = RunWith(environment, "ps", "--json", "--name", name);
        Assert.Equal(0, await ps.ExitCode());
        using var json = JsonDocument.Parse(string.Join("\n", ps.Stdout));
        return json.RootElement.EnumerateArray()
            .Select(p => (p.GetProperty("Name").GetString()!, p.GetProperty("ProcessId").GetInt32(), p.GetProperty("State").GetString()!))
            .ToList();
    }

    private static List<string?> Names(CliRun ls)
    {
        using var json = JsonDocument.Parse(string.Join("\n", ls.Stdout));
        return json.RootElement.EnumerateArray().Select(f => f.GetProperty("Name").GetString()).ToList();
    }
}
