using System.Diagnostics;
using Formation.Engine.Configuration;
using Formation.Engine.Supervision;
using Formation.Engine.Tests.Support;
using Xunit.Abstractions;

namespace Formation.Engine.Tests.Supervision;

/// <summary>
/// A reload with real processes and real files: each kind of change, the PIDs it keeps or replaces, and a
/// two-instance type behind a probe that a client can reach on one port or the other all through its restart.
/// </summary>
public class ProcessFormationReloadTests(ITestOutputHelper output) : ProcessTest
{
    private const string Sleeper = "exec sleep 1000";

    [Fact]
    public async Task ReloadAsync_AddedType_StartsItAndKeepsEveryOtherPid()
    {
        var f = Start(Options($"web: {Sleeper}\nworker: {Sleeper}\n"));
        var before = await Running(f, "web.1", "worker.1");
        Write("Procfile", $"web: {Sleeper}\nworker: {Sleeper}\nclock: echo tick; {Sleeper}\n");

        var plan = await f.ReloadAsync().WaitAsync(Patience);

        Assert.Equal(["web: keep (unchanged)", "worker: keep (unchanged)", "clock: start 0 → 1 (new in the Procfile)"], plan.Types.Select(t => t.ToString()));
        Assert.Equal(before, Pids(f, "web.1", "worker.1"));
        var clock = f.GetProcess("clock.1")!;
        Assert.Equal((ProcessState.Running, 5200), (clock.State, clock.Port));
        Assert.Equal(3, f.Scale.Count);
    }

    [Fact]
    public async Task ReloadAsync_RemovedType_StopsItAndKeepsTheOthers()
    {
        var f = Start(Options($"web: {Sleeper}\nworker: {Sleeper}\n"));
        var (web, worker) = await Running(f, "web.1", "worker.1") switch { var p => (p[0], p[1]) };
        Write("Procfile", $"web: {Sleeper}\n");

        var plan = await f.ReloadAsync().WaitAsync(Patience);

        Assert.Equal("worker: stop 1 → 0 (not in the Procfile any more)", plan.Types[^1].ToString());
        Assert.Equal([web], Pids(f, "web.1"));
        Assert.Null(f.GetProcess("worker.1"));
        Assert.False(Engine.Os.ProcessGroups.IsAlive(worker));
        Assert.Equal(["web"], f.Scale.Keys);
    }

    [Fact]
    public async Task ReloadAsync_ChangedCommand_RestartsOneInstanceAtATimeWithNoGapInReadiness()
    {
        var port = FreePort();
        const string config = "processes:\n  web: { count: 2, ready: { http: /health } }\n";
        var f = Create(Options($"web: {TestServer} http\nworker: {Sleeper}\n", config) with { Port = port });
        var ready = new ReadyCount(f, "web");
        f.Start();
        await f.WhenReadyAsync().WaitAsync(Patience);
        var before = Pids(f, "web.1", "web.2", "worker.1");
        Write("Procfile", $"web: {TestServer} http --unhealthy-ms 200\nworker: {Sleeper}\n");

        using var client = new Client(port, port + 1);
        ready.Watch();
        var clock = Stopwatch.StartNew();
        var plan = await f.ReloadAsync().WaitAsync(Patience);
        clock.Stop();
        var (requests, unanswered) = await client.StopAsync();

        output.WriteLine($"reload of a 2-instance type with an http probe: {clock.Elapsed.TotalSeconds:0.00} s; {requests} requests, {unanswered} unanswered");
        Assert.Equal("web: restart (command)", plan.Types[0].ToString());
        Assert.Equal(1, ready.LowestWhileWatched);
        Assert.Equal(0, unanswered);
        Assert.True(requests > 0);
        var after = Pids(f, "web.1", "web.2", "worker.1");
        Assert.NotEqual(before[0], after[0]);
        Assert.NotEqual(before[1], after[1]);
        Assert.Equal(before[2], after[2]);
        Assert.All(f.GetProcesses().Where(p => p.Type == "web"), p => Assert.Equal((ProcessState.Ready, 1), (p.State, p.Restarts)));
        Assert.Contains("--unhealthy-ms 200", f.GetProcess("web.1")!.Command);
    }

    [Fact]
    public async Task ReloadAsync_ChangedEnvironment_RestartsOnlyTheTypesWhoseEnvironmentChanged()
    {
        var envFile = Write("app.env", "GREETING=hello\n");
        var f = Create(Options("web: echo \"$GREETING $COLOUR\"; exec sleep 1000\nworker: echo \"$GREETING\"; exec sleep 1000\n",
            "processes:\n  web: { env: { COLOUR: red } }\n") with { EnvFiles = [envFile] });
        var events = new Events(f);
        f.Start();
        await events.UntilLine("web.1", "hello red");
        var before = Pids(f, "web.1", "worker.1");

        Write("formation.yml", "processes:\n  web: { env: { COLOUR: blue } }\n");
        var typeEnv = await f.ReloadAsync().WaitAsync(Patience);
        await events.UntilLine("web.1", "hello blue");
        var afterTypeEnv = Pids(f, "web.1", "worker.1");
        Write("app.env", "GREETING=bonjour\n");
        var sharedEnv = await f.ReloadAsync().WaitAsync(Patience);
        await events.UntilLine("worker.1", "bonjour");

        Assert.Equal(["web: restart (environment: COLOUR)", "worker: keep (unchanged)"], typeEnv.Types.Select(t => t.ToString()));
        Assert.NotEqual(before[0], afterTypeEnv[0]);
        Assert.Equal(before[1], afterTypeEnv[1]);
        Assert.Equal(["web: restart (environment: GREETING)", "worker: restart (environment: GREETING)"], sharedEnv.Types.Select(t => t.ToString()));
        Assert.Contains("bonjour blue", events.LinesOf("web.1"));
    }

    [Fact]
    public async Task ReloadAsync_ChangedCount_ScalesAndKeepsTheRunningInstances()
    {
        var f = Start(Options($"web: {Sleeper}\n", "processes:\n  web: { count: 1 }\n"));
        var web1 = (await Running(f, "web.1"))[0];

        Write("formation.yml", "processes:\n  web: { count: 3 }\n");
        var raised = await f.ReloadAsync().WaitAsync(Patience);
        await Running(f, "web.2", "web.3");
        await f.ScaleAsync("web", 2).WaitAsync(Patience);
        var kept = await f.ReloadAsync().WaitAsync(Patience);

        Assert.Equal("web: scale 1 → 3 (count 1 → 3)", Assert.Single(raised.Types).ToString());
        Assert.Equal([web1], Pids(f, "web.1"));
        // The count set at run time stays: the files did not change it since the last reload.
        Assert.Equal("web: keep (unchanged)", Assert.Single(kept.Types).ToString());
        Assert.Equal(2, f.Scale["web"]);
    }

    [Fact]
    public async Task ReloadAsync_InvalidFiles_ThrowsEveryProblemWithFileAndLineAndChangesNothing()
    {
        var f = Start(Options($"web: {Sleeper}\n", "processes:\n  web: { count: 1 }\n"));
        var before = await Running(f, "web.1");
        var procfile = Write("Procfile", $"web: {Sleeper}\nthis is not a process line\nclock: {Sleeper}\n");
        var config = Write("formation.yml", "processes:\n  web: { count: many }\n");

        var error = await Assert.ThrowsAsync<FormationConfigException>(() => f.ReloadAsync().WaitAsync(Patience));

        Assert.Contains(error.Errors, e => e.File == procfile && e.Line == 2);
        Write("Procfile", $"web: {Sleeper}\nclock: {Sleeper}\n");
        error = await Assert.ThrowsAsync<FormationConfigException>(() => f.ReloadAsync().WaitAsync(Patience));
        Assert.Contains(error.Errors, e => e.File == config && e.Line == 2 && e.Message.Contains("'web.count' must be a whole number"));
        Assert.Equal(before, Pids(f, "web.1"));
        Assert.Equal(["web"], f.GetProcesses().Select(p => p.Type).Distinct());
    }

    [Fact]
    public async Task ReloadAsync_DryRun_SaysWhatWouldChangeAndChangesNothing()
    {
        var f = Start(Options($"web: {Sleeper}\nworker: {Sleeper}\n"));
        var before = await Running(f, "web.1", "worker.1");
        Write("Procfile", $"web: exec sleep 999\n");

        var plan = await f.ReloadAsync(dryRun: true).WaitAsync(Patience);

        Assert.Equal(["web: restart (command)", "worker: stop 1 → 0 (not in the Procfile any more)"], plan.Types.Select(t => t.ToString()));
        Assert.Equal(before, Pids(f, "web.1", "worker.1"));
        Assert.Equal("exec sleep 1000", f.GetProcess("web.1")!.Command);
    }

    /// <summary>The pids of the instances, once each runs.</summary>
    private static async Task<int[]> Running(ProcessFormation f, params string[] names)
    {
        var events = new Events(f);
        await events.Until(_ => names.All(n => f.GetProcess(n)?.State is ProcessState.Running or ProcessState.Ready), string.Join(", ", names) + " running");
        return Pids(f, names);
    }

    private static int[] Pids(ProcessFormation f, params string[] names) => names.Select(n => f.GetProcess(n)!.ProcessId!.Value).ToArray();

    /// <summary>How many instances of a type are Ready, from the formation's own events: the lowest count once watched.</summary>
    private sealed class ReadyCount
    {
        private readonly HashSet<string> _ready = [];
        private bool _watching;

        public ReadyCount(ProcessFormation f, string type) =>
            f.ProcessStateChanged += (_, e) =>
            {
                if (e.Process.Type != type) return;
                lock (_ready)
                {
                    if (e.Process.State == ProcessState.Ready) _ready.Add(e.Process.Name);
                    else _ready.Remove(e.Process.Name);
                    if (_watching) LowestWhileWatched = Math.Min(LowestWhileWatched, _ready.Count);
                }
            };

        public int LowestWhileWatched { get; private set; } = int.MaxValue;

        public void Watch()
        {
            lock (_ready)
            {
                _watching = true;
                LowestWhileWatched = _ready.Count;
            }
        }
    }

    /// <summary>A client that asks one instance, else the other, until stopped: how many rounds, and how many neither answered.</summary>
    private sealed class Client : IDisposable
    {
        private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(2) };
        private readonly CancellationTokenSource _stop = new();
        private readonly Task<(int, int)> _asking;

        public Client(params int[] ports) => _asking = Task.Run(() => AskAsync(ports));

        public async Task<(int Requests, int Unanswered)> StopAsync()
        {
            await _stop.CancelAsync();
            return await _asking.WaitAsync(Patience);
        }

        public void Dispose()
        {
            _stop.Cancel();
            _http.Dispose();
            _stop.Dispose();
        }

        private async Task<(int, int)> AskAsync(int[] ports)
        {
            var (requests, unanswered) = (0, 0);
            while (!_stop.IsCancellationRequested)
            {
                requests++;
                var answered = false;
                foreach (var port in ports)
                {
                    try
                    {
                        using var response = await _http.GetAsync($"http://127.0.0.1:{port}/");
                        if (response.IsSuccessStatusCode)
                        {
                            answered = true;
                            break;
                        }
                    }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Net.Sockets.SocketException or IOException)
                    {
                        // Not answered by this one (HttpClient lets a connection reset right after connect escape as a SocketException).
                    }
                }
                if (!answered) unanswered++;
            }
            return (requests, unanswered);
        }
    }
}
