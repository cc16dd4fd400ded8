using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Formation.Engine.Configuration;
using Formation.Engine.Control;
using Formation.Engine.Supervision;
using Formation.Engine.Tests.Support;

namespace Formation.Engine.Tests.Control;

/// <summary>The control endpoint with real processes and real sockets: a client acts on a running formation.</summary>
public class ControlEndpointTests : EndpointTest
{
    [Fact]
    public async Task Processes_ThroughTheEndpoint_AreExactlyTheRunningInstances()
    {
        var (f, _, client) = await ServeAsync($"web: {Loop}\nworker: {Loop}\n", "web=2,worker=1", 17310);
        await using var _ = client;

        var remote = await client.GetProcessesAsync().WaitAsync(Patience);

        Assert.Equal(["web.1", "web.2", "worker.1"], remote.Select(p => p.Name));
        Assert.Equal(f.GetProcesses().Select(p => (p.Name, p.ProcessId, p.Port)), remote.Select(p => (p.Name, p.ProcessId, p.Port)));
        Assert.All(remote, p => Assert.Equal(ProcessState.Running, p.State));
        Assert.Equal(f.Name, client.Info.Name);
        Assert.Equal(Environment.ProcessId, client.Info.OwnerProcessId);
        Assert.Equal(3, client.Info.ProcessCount);
    }

    [Fact]
    public async Task RestartProcess_ThroughTheEndpoint_ChangesThePidAndKeepsPort()
    {
        var (f, _, client) = await ServeAsync($"web: {Loop}\n", "web=2", 17320);
        await using var _ = client;
        var before = f.GetProcess("web.2")!;

        var after = await client.RestartProcessAsync("web.2").WaitAsync(Patience);

        Assert.NotEqual(before.ProcessId, after.ProcessId);
        Assert.Equal(17321, after.Port);
        Assert.Equal(1, after.Restarts);
        Assert.Equal(after.ProcessId, f.GetProcess("web.2")!.ProcessId);
    }

    [Fact]
    public async Task Scale_ThroughTheEndpoint_AddsAndRemovesWithTheNextPorts()
    {
        var (f, _, client) = await ServeAsync($"web: {Loop}\n", "web=1", 17330);
        await using var _ = client;

        var up = await client.ScaleAsync("web", 3).WaitAsync(Patience);
        Assert.Equal([("web.2", 17331), ("web.3", 17332)], up.Added.Select(p => (p.Name, p.Port!.Value)));
        Assert.Equal(3, (await client.GetProcessesAsync()).Count(p => p.ProcessId is not null));

        var down = await client.ScaleAsync("web", 1).WaitAsync(Patience);
        Assert.Equal(["web.3", "web.2"], down.Removed.Select(p => p.Name));
        Assert.Equal(["web.1"], f.GetProcesses().Select(p => p.Name));

        var error = await Assert.ThrowsAsync<FormationConfigException>(() => client.ScaleAsync("nope", 1));
        Assert.Contains("Unknown process type 'nope'", error.Message);
    }

    [Fact]
    public async Task Stop_ThroughTheEndpoint_EndsEverythingAndRemovesTheSocket()
    {
        var (f, endpoint, client) = await ServeAsync($"web: {Loop}\nworker: {Loop}\n", "web=2,worker=1", 17340);
        await using var _ = client;

        var result = await client.StopAsync().WaitAsync(Patience);
        await endpoint.DisposeAsync().AsTask().WaitAsync(Patience);

        Assert.Equal((FormationEnd.Stopped, OutcomeCause.StopRequested), (result.End, result.Cause));
        Assert.True(f.Completion.IsCompleted);
        Assert.All(f.GetProcesses(), p => Assert.Equal(ProcessState.Stopped, p.State));
        Assert.Empty(LeakScanner.Find(Token));
        Assert.False(File.Exists(endpoint.SocketPath));
        Assert.False(File.Exists(Path.ChangeExtension(endpoint.SocketPath, ".lock")));
        await Assert.ThrowsAsync<FormationNotRunningException>(() => FormationClient.ConnectAsync(f.Name, ControlDir));
    }

    [Fact]
    public async Task Logs_Following_StreamsNewLinesAndEndsWithTheFormation()
    {
        var (f, _, client) = await ServeAsync("counter: i=0; while :; do i=$((i+1)); echo \"line $i\"; sleep 0.1; done\n", null, 17350);
        await using var _ = client;
        await Events.UntilLine("counter.1", "line 3");

        var received = new List<string>();
        var newLine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reading = Task.Run(async () =>
        {
            await foreach (var line in client.GetLogAsync(["counter"], tail: 2, follow: true))
            {
                lock (received)
                {
                    received.Add(line.Line);
                    if (received.Count >= 12) newLine.TrySetResult();
                }
            }
        });
        await newLine.Task.WaitAsync(Patience);
        await f.StopAsync().WaitAsync(Patience);
        await reading.WaitAsync(Patience);

        lock (received)
        {
            var numbers = received.Select(l => int.Parse(l["line ".Length..], System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(Enumerable.Range(numbers[0], numbers.Count), numbers); // the tail, then every new line, once each, in order
            Assert.True(numbers.Count >= 12);
        }
    }

    [Fact]
    public async Task Logs_Tail_IsTheLastLinesOfEachProcess()
    {
        var (f, _, client) = await ServeAsync("a: for i in 1 2 3 4 5; do echo a$i; done; sleep 100\nb: for i in 1 2 3 4 5; do echo b$i; done; sleep 100\n", null, 17360);
        await using var _ = client;
        await Events.UntilLine("a.1", "a5");
        await Events.UntilLine("b.1", "b5");

        var lines = new List<string>();
        await foreach (var line in client.GetLogAsync(["a", "b.1"], tail: 2)) lines.Add(line.Line);

        Assert.Equal(["a4", "a5", "b4", "b5"], lines.Order());
    }

    [Fact]
    public async Task MalformedAndOversizedRequests_GetAnErrorReply_AndTheFormationKeepsRunning()
    {
        var (f, endpoint, client) = await ServeAsync($"web: {Loop}\n", null, 17370);
        await using var _ = client;
        var pid = f.GetProcess("web.1")!.ProcessId;

        Assert.Contains("\"code\":-32700", await RawAsync(endpoint.SocketPath, "this is not json\n"));
        Assert.Contains("\"code\":-32600", await RawAsync(endpoint.SocketPath, "[1,2,3]\n"));
        Assert.Contains("\"code\":-32600", await RawAsync(endpoint.SocketPath, "{\"jsonrpc\":\"2.0\",\"id\":7,\"params\":{}}\n"));
        Assert.Contains("\"id\":7", await RawAsync(endpoint.SocketPath, "{\"jsonrpc\":\"2.0\",\"id\":7,\"params\":{}}\n"));
        var huge = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"formation/hello\",\"params\":{\"x\":\"" + new string('x', ControlProtocol.MaxRequestBytes) + "\"}}\n";
        Assert.Contains("larger than", await RawAsync(endpoint.SocketPath, huge));
        Assert.Contains("\"result\"", await RawAsync(endpoint.SocketPath, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"formation/hello\",\"params\":{}}\n"));
        Assert.Contains("\"error\"", await RawAsync(endpoint.SocketPath, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"formation/nope\",\"params\":{}}\n"));

        Assert.Equal(FormationState.Running, f.State);
        Assert.Equal(pid, (await client.GetProcessesAsync()).Single().ProcessId);
    }

    [Fact]
    public async Task HundredConcurrentClients_DoingPsRestartScale_LeaveTheFormationConsistent()
    {
        var (f, _, client) = await ServeAsync($"web: {Loop}\nworker: {Loop}\n", "web=2,worker=1", 17380);
        await using var _ = client;

        var work = Enumerable.Range(0, 100).Select(i => Task.Run(async () =>
        {
            await using var c = await FormationClient.ConnectAsync(f.Name, ControlDir);
            try
            {
                switch (i % 3)
                {
                    case 0: await c.GetProcessesAsync(); break;
                    case 1: await c.RestartProcessAsync(i % 2 == 0 ? "web.1" : "worker.1"); break;
                    default: await c.ScaleAsync("web", 1 + i % 4); break;
                }
            }
            catch (FormationException)
            {
                // Racing requests may be refused (a restart of an instance scaled away); the formation must stay whole.
            }
        }));
        await Task.WhenAll(work).WaitAsync(TimeSpan.FromMinutes(2));
        await client.ScaleAsync("web", 2).WaitAsync(Patience);
        await f.WhenReadyAsync().WaitAsync(Patience);

        var processes = await client.GetProcessesAsync();
        Assert.Equal(["web.1", "web.2", "worker.1"], processes.Select(p => p.Name));
        Assert.Equal([17380, 17381, 17480], processes.Select(p => p.Port!.Value));
        Assert.All(processes, p => Assert.True(p.State is ProcessState.Running or ProcessState.Ready, $"{p.Name} is {p.State}"));
        // Every live process of the test is one of the instances' groups: nothing orphaned, nothing doubled.
        var groups = processes.Select(p => p.ProcessId!.Value).ToHashSet();
        // (A process that ended since the scan, such as a loop's short sleep, is no longer anyone's.)
        var live = LeakScanner.Find(Token).Select(l => (Pid: int.Parse(l.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture), Line: l));
        var strays = live.Where(p => ProcessGroupOf(p.Pid) is { } group && !groups.Contains(group)).Select(p => $"{p.Line} (group {ProcessGroupOf(p.Pid)})").ToList();
        Assert.True(strays.Count == 0, $"outside the instances' groups {string.Join(", ", groups)}: {string.Join("; ", strays)}");
    }

    [Fact]
    public async Task HundredsOfIdleConnections_DoNotKeepANewClientOut()
    {
        var (f, endpoint, client) = await ServeAsync($"web: {Loop}\n", null, 17500);
        await using var _ = client;
        var idle = new List<RawConnection>();
        try
        {
            for (var i = 0; i < 300; i++) idle.Add(await RawConnection.OpenAsync(endpoint.SocketPath));

            await using var newcomer = await FormationClient.ConnectAsync(f.Name, ControlDir).WaitAsync(Patience);
            var listing = await RunningFormations.ListAsync(ControlDir).WaitAsync(Patience);

            Assert.Single(await newcomer.GetProcessesAsync());
            Assert.Equal([f.Name], listing.Running.Select(i => i.Name));
            Assert.True(endpoint.ConnectionCount <= ControlLimits.Default.MaxConnections + 1, $"{endpoint.ConnectionCount} connections");
        }
        finally
        {
            foreach (var connection in idle) connection.Dispose();
        }
    }

    [Fact]
    public async Task NewcomerAtTheBound_WithEveryConnectionBusy_IsToldTheEndpointIsBusy()
    {
        var limits = ControlLimits.Default with { MaxConnections = 3 };
        var (f, endpoint, client) = await ServeAsync($"web: {Loop}\n", null, 17510, limits);
        await client.DisposeAsync();
        var waiters = new List<RawConnection>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var waiter = await RawConnection.OpenAsync(endpoint.SocketPath);
                waiters.Add(waiter);
                await waiter.SendAsync("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"formation/wait\"}\n");
                Assert.Contains(ControlProtocol.WorkingNotification, await waiter.ReadLineAsync());
            }

            var error = await Assert.ThrowsAsync<FormationException>(() => FormationClient.ConnectAsync(f.Name, ControlDir).WaitAsync(Patience));

            Assert.Contains("none of them is idle", error.Message);
            await f.StopAsync().WaitAsync(Patience);
            foreach (var waiter in waiters)
                Assert.Equal("StopRequested", (await waiter.ReadReplyAsync()).GetProperty("result").GetProperty("Cause").GetString());
        }
        finally
        {
            foreach (var waiter in waiters) waiter.Dispose();
        }
    }

    [Fact]
    public async Task Wait_ThroughTheEndpoint_AnswersWithTheEnginesOutcome()
    {
        var (f, _, client) = await ServeAsync("web: sleep 1.5; echo going; exit 7\n", null, 17520, config: "processes:\n  web: { restart: never }\n");
        await using var _ = client;

        var outcome = await client.WaitAsync().WaitAsync(Patience);
        var local = await f.Completion.WaitAsync(Patience);

        Assert.Equal((FormationEnd.Failed, OutcomeCause.ProcessCrashed, "web.1", 7, FormationOutcome.ProcessFailedExitCode),
            (outcome.End, outcome.Cause, outcome.Process, outcome.ProcessExitCode, outcome.ExitCode));
        Assert.Equal((local.Message, local.EndTime), (outcome.Message, outcome.EndTime));
        Assert.Equal(local.LastOutput, outcome.LastOutput);
    }

    [Fact]
    public async Task Restart_LongerThanTheAnswerDeadline_CompletesWhileTheOwnerSaysItIsWorking()
    {
        var slow = "trap 'sleep 7; exit 0' TERM; while :; do sleep 0.2; done";
        var (f, _, client) = await ServeAsync($"web: {slow}\n", null, 17530);
        await using var _ = client;
        var before = f.GetProcess("web.1")!.ProcessId;

        var after = await client.RestartProcessAsync("web.1", TimeSpan.FromSeconds(20)).WaitAsync(Patience);

        Assert.NotEqual(before, after.ProcessId);
        Assert.Equal(ProcessState.Running, after.State);
    }

    [Fact]
    public async Task SameName_WhileTheFirstRuns_IsRefused()
    {
        var (f, _, client) = await ServeAsync($"web: {Loop}\n", null, 17390);
        await using var _ = client;

        var error = Assert.Throws<FormationNameTakenException>(() => ControlEndpoint.Open(f, ControlDir));
        Assert.Contains($"A formation named '{f.Name}' is already running", error.Message);
    }

    [Fact]
    public async Task Listing_AStaleSocketWhoseOwnerIsGone_ReportsItAndRemovesIt()
    {
        var dir = ControlDirectoryForTest();
        var socketPath = ControlDirectory.SocketPath("ghost", dir);
        // A process that bound the socket and died without removing it (.NET's Socket would remove it on close).
        using (var dead = Process.Start("/usr/bin/python3", ["-c", $"import socket; socket.socket(socket.AF_UNIX).bind('{socketPath}')"]))
            await dead.WaitForExitAsync().WaitAsync(Patience);
        Assert.True(File.Exists(socketPath));
        File.WriteAllText(Path.ChangeExtension(socketPath, ".lock"), "99999\nghost\n");

        var listing = await RunningFormations.ListAsync(dir).WaitAsync(Patience);

        Assert.Empty(listing.Running);
        Assert.Empty(listing.Errors);
        var gone = Assert.Single(listing.Gone);
        Assert.Equal(("ghost", 99999), (gone.Name, gone.OwnerProcessId!.Value));
        Assert.False(File.Exists(socketPath));
        Assert.False(File.Exists(Path.ChangeExtension(socketPath, ".lock")));
    }

    [Fact]
    public async Task AnotherUser_CannotListTheDirectory_NorBeServed()
    {
        if (PeerCredentials.CurrentUid != 0) return; // needs root to become another user
        var (f, endpoint, client) = await ServeAsync($"web: {Loop}\n", null, 17400);
        await using var _ = client;

        var denied = await AsNobodyAsync($"import os\ntry:\n  os.listdir('{ControlDir}'); print('listed')\nexcept PermissionError: print('denied')\n");
        Assert.Equal("denied", denied);
        var refused = await AsNobodyAsync(ConnectScript(endpoint.SocketPath));
        Assert.Equal("denied", refused);

        // Even with the directory and socket opened up by mistake, SO_PEERCRED turns the other user away unanswered.
        File.SetUnixFileMode(Directory, (UnixFileMode)0x1ED);
        File.SetUnixFileMode(ControlDir, (UnixFileMode)0x1ED);
        File.SetUnixFileMode(endpoint.SocketPath, (UnixFileMode)0x1FF);
        Assert.Equal("closed", await AsNobodyAsync(ConnectScript(endpoint.SocketPath)));
        Assert.Equal(FormationState.Running, f.State);
        Assert.Single(await client.GetProcessesAsync());
    }

    /// <summary>Sends raw bytes on a new connection and returns the first reply line (empty when the endpoint closed without one).</summary>
    private static async Task<string> RawAsync(string socketPath, string request)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
        await using var stream = new NetworkStream(socket);
        try
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(request));
        }
        catch (IOException)
        {
            // The endpoint may close before it has read an oversized request to the end; its reply is still there.
        }
        using var reader = new StreamReader(stream);
        return await reader.ReadLineAsync().WaitAsync(Patience) ?? "";
    }

    private static string ConnectScript(string socketPath) =>
        "import socket\ns = socket.socket(socket.AF_UNIX)\ntry:\n  s.connect('" + socketPath + "')\nexcept PermissionError:\n  print('denied'); raise SystemExit\n" +
        "try:\n  s.sendall(b'{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"formation/hello\",\"params\":{}}\\n')\n  s.settimeout(20)\n  print('closed' if s.recv(4096) == b'' else 'answered')\n" +
        "except (BrokenPipeError, ConnectionResetError):\n  print('closed')\n";

    private static async Task<string> AsNobodyAsync(string script)
    {
        var psi = new ProcessStartInfo("setpriv") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", script }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = await p.StandardOutput.ReadToEndAsync().WaitAsync(Patience);
        await p.WaitForExitAsync().WaitAsync(Patience);
        return output.Trim() is { Length: > 0 } text ? text : await p.StandardError.ReadToEndAsync();
    }

    /// <summary>The process group of a live process, or null once it has ended (gone, or a zombie).</summary>
    private static int? ProcessGroupOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields[0] is "Z" or "X" ? null : int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
