namespace Formation.Cli.Tests;

/// <summary>
/// A test of the control verbs: every process it runs gets this test's own control directory
/// (<c>XDG_RUNTIME_DIR</c>), never the user's, and <see cref="StartAsync"/> starts the owner in another process.
/// </summary>
public abstract class ControlCliTest : CliTest
{
    /// <summary>The environment with this test's private control directory.</summary>
    protected Dictionary<string, string> Env
    {
        get
        {
            var runtime = Path.Combine(Dir, "run");
            if (!Directory.Exists(runtime)) Directory.CreateDirectory(runtime, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var env = Environment;
            env["XDG_RUNTIME_DIR"] = runtime;
            return env;
        }
    }

    /// <summary>Where the endpoints of this test's formations are.</summary>
    protected string SocketDir => Path.Combine(Dir, "run", "formation");

    /// <summary>Starts <c>formation start</c> with <paramref name="procfile"/>; its endpoint opens before its first process starts.</summary>
    protected async Task<CliRun> StartAsync(string procfile, params string[] args)
    {
        Write("Procfile", procfile);
        var owner = RunWith(Env, ["start", "--no-timestamp", .. args]);
        await owner.UntilStdout(l => l.Contains("started with pid"), "the first process to start");
        Assert.Single(Directory.GetFiles(SocketDir, "*.sock"));
        return owner;
    }
}
