using System.Text;
using Formation.Engine.Configuration;
using Formation.Engine.Supervision;

namespace Formation.Engine.Tests.Support;

/// <summary>
/// Base of every test that starts processes. It gives each test a scratch directory and a unique token
/// that every child inherits in its environment, and on disposal fails the test if any live process
/// still carries the token (such processes are then killed, so one leak cannot spoil the next test).
/// </summary>
public abstract class ProcessTest : IAsyncLifetime
{
    /// <summary>Generous bound for any wait on a process event; no test asserts on time.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly List<ProcessFormation> _formations = [];

    protected ProcessTest()
    {
        Token = $"formation-test-{Guid.NewGuid():N}";
        Directory = Path.Combine(Path.GetTempPath(), Token);
        System.IO.Directory.CreateDirectory(Directory);
    }

    protected string Token { get; }
    protected string Directory { get; }

    /// <summary>The environment children inherit: a minimal one plus the leak-tracking token.</summary>
    protected Dictionary<string, string> Inherited => new()
    {
        ["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin",
        ["HOME"] = Directory,
        ["LANG"] = "C.UTF-8",
        [LeakScanner.TokenVariable] = Token,
    };

    /// <summary><c>dotnet .../Formation.TestServer.dll</c>: a test listener (see tests/Formation.TestServer).</summary>
    protected static string TestServer => $"dotnet {Path.Combine(AppContext.BaseDirectory, "Formation.TestServer.dll")}";

    /// <summary>A port nothing listens on right now (the kernel's pick), for tests that bind one.</summary>
    protected static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    protected string Write(string name, string text)
    {
        var path = Path.Combine(Directory, name);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text, new UTF8Encoding(false));
        return path;
    }

    protected FormationOptions Options(string procfile, string? config = null) =>
        new()
        {
            Procfile = Write("Procfile", procfile),
            Config = config is null ? "" : Write("formation.yml", config),
            InheritedEnvironment = Inherited,
            EnvFiles = [],
            StopTimeout = TimeSpan.FromSeconds(5),
        };

    /// <summary>Creates a formation (not started) whose events the test can subscribe to first.</summary>
    protected ProcessFormation Create(FormationOptions options)
    {
        var formation = new ProcessFormation(FormationPlan.Create(options));
        _formations.Add(formation);
        return formation;
    }

    protected ProcessFormation Start(FormationOptions options)
    {
        var formation = Create(options);
        formation.Start();
        return formation;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var f in _formations)
        {
            await f.DisposeAsync().AsTask().WaitAsync(Patience);
        }
        var leaked = await LeakScanner.WaitUntilGoneAsync(Token, TimeSpan.FromSeconds(3));
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
        Assert.True(leaked.Count == 0, $"The test left {leaked.Count} process(es) running: {string.Join("; ", leaked)}");
    }
}
