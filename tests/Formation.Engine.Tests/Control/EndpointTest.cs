using Formation.Engine.Configuration;
using Formation.Engine.Control;
using Formation.Engine.Supervision;
using Formation.Engine.Tests.Support;

namespace Formation.Engine.Tests.Control;

/// <summary>A test that serves a real formation on a real endpoint in its own private control directory.</summary>
public abstract class EndpointTest : ProcessTest
{
    protected const string Loop = "while :; do echo tick; sleep 0.2; done";

    private Events? _events;

    /// <summary>This test's own control directory (never the user's).</summary>
    protected string ControlDir => Path.Combine(Directory, "run");

    /// <summary>The events of the formation <see cref="ServeAsync"/> started, recorded from its start.</summary>
    protected Events Events => _events!;

    /// <summary>Starts a formation, opens its endpoint, and connects a client to it.</summary>
    private protected async Task<(ProcessFormation Formation, ControlEndpoint Endpoint, FormationClient Client)> ServeAsync(string procfile, string? scale, int port,
        ControlLimits? limits = null, string? config = null)
    {
        var f = Create(Options(procfile, config) with { Scale = ScaleSpec.Parse(scale), Port = port });
        _events = new Events(f);
        f.Start();
        var endpoint = ControlEndpoint.Open(f, ControlDirectoryForTest(), limits ?? ControlLimits.Default);
        var client = await FormationClient.ConnectAsync(f.Name, ControlDir).WaitAsync(Patience);
        return (f, endpoint, client);
    }

    protected string ControlDirectoryForTest()
    {
        if (!System.IO.Directory.Exists(ControlDir)) System.IO.Directory.CreateDirectory(ControlDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return ControlDir;
    }
}
