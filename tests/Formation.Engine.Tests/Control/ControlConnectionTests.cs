using System.Text;
using System.Text.Json;
using Formation.Engine.Control;
using Formation.Engine.Supervision;

namespace Formation.Engine.Tests.Control;

/// <summary>One connection to a real endpoint, spoken to in raw lines as socat or a hostile client would.</summary>
public class ControlConnectionTests : EndpointTest
{
    private const string Hello = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"formation/hello\",\"params\":{}}\n";

    [Fact]
    public async Task InvalidUtf8InsideAString_GetsAParseErrorReply_AndTheConnectionServesTheNextRequest()
    {
        var (f, endpoint, client) = await ServeAsync($"web: {Loop}\n", null, 17410);
        await using var _ = client;
        using var raw = await RawConnection.OpenAsync(endpoint.SocketPath);

        await raw.SendAsync([.. "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"formation/hello\",\"params\":{\"x\":\""u8, 0xFF, 0xC3, .. "\"}}\n"u8]);
        var reply = JsonDocument.Parse(await raw.ReadLineAsync() ?? "").RootElement;

        Assert.Equal(ControlProtocol.ParseError, reply.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Contains("UTF-8", reply.GetProperty("error").GetProperty("message").GetString());
        await raw.SendAsync(Hello);
        Assert.Equal(f.Name, (await raw.ReadReplyAsync()).GetProperty("result").GetProperty("Name").GetString());
    }

    [Theory]
    [InlineData("this is not json", ControlProtocol.ParseError)]
    [InlineData("[1,2,3]", ControlProtocol.InvalidRequest)]
    [InlineData("42", ControlProtocol.InvalidRequest)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":7,\"params\":{}}", ControlProtocol.InvalidRequest)]
    [InlineData("{\"jsonrpc\":\"1.0\",\"id\":7,\"method\":\"formation/hello\"}", ControlProtocol.InvalidRequest)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":{\"a\":1},\"method\":\"formation/hello\"}", ControlProtocol.InvalidRequest)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"formation/hello\",\"params\":5}", ControlProtocol.InvalidRequest)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"formation/nope\"}", ControlProtocol.MethodNotFound)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"\\ud800\"}", ControlProtocol.InvalidRequest)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"formation/scale\",\"params\":{\"Type\":\"web\"}}", ControlProtocol.InvalidParams)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"formation/scale\",\"params\":{\"Type\":\"web\",\"N\":2}}", ControlProtocol.InvalidParams)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"formation/logs\",\"params\":{\"Tail\":\"many\"}}", ControlProtocol.InvalidParams)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"formation/startProcess\",\"params\":{}}", ControlProtocol.InvalidParams)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"formation/startProcess\",\"params\":[1,2]}", ControlProtocol.InvalidParams)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"formation/logs\",\"params\":{\"Processes\":[\"nope\"]}}", ControlProtocol.FormationErrorCode)]
    public async Task MalformedRequest_GetsItsErrorReply_AndTheConnectionCarriesOn(string line, int code)
    {
        var (f, endpoint, client) = await ServeAsync($"web: {Loop}\n", null, 17420);
        await using var _ = client;
        using var raw = await RawConnection.OpenAsync(endpoint.SocketPath);

        await raw.SendAsync(line + "\n");
        var error = JsonDocument.Parse(await raw.ReadLineAsync() ?? "{}").RootElement.GetProperty("error");

        Assert.Equal(code, error.GetProperty("code").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        await raw.SendAsync(Hello);
        Assert.True((await raw.ReadReplyAsync()).TryGetProperty("result", out var result), result.ToString());
        Assert.Equal(FormationState.Running, f.State);
    }

    [Theory]
    [InlineData("4294968")]
    [InlineData("86400.5")]
    [InlineData("-1")]
    [InlineData("1e400")]
    [InlineData("\"NaN\"")]
    [InlineData("\"Infinity\"")]
    public async Task StopProcess_TimeoutOutOfTheDurationBound_IsRefused_AndTheProcessRuns(string seconds)
    {
        var (f, endpoint, client) = await ServeAsync($"web: {Loop}\n", null, 17430);
        await using var _ = client;
        var pid = f.GetProcess("web.1")!.ProcessId;

        var reply = await RawConnection.ExchangeAsync(endpoint.SocketPath,
            $"{{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"formation/stopProcess\",\"params\":{{\"Name\":\"web.1\",\"TimeoutSeconds\":{seconds}}}}}\n");
        var error = JsonDocument.Parse(reply).RootElement.GetProperty("error");

        Assert.Equal(ControlProtocol.InvalidParams, error.GetProperty("code").GetInt32());
        Assert.Contains("TimeoutSeconds", error.GetProperty("message").GetString());
        var web = f.GetProcess("web.1")!;
        Assert.Equal((pid, ProcessState.Running), (web.ProcessId, web.State));
        await Assert.ThrowsAsync<FormationException>(() => client.StopProcessAsync("web.1", TimeSpan.FromSeconds(4_294_968)));
        Assert.Equal(ProcessState.Running, f.GetProcess("web.1")!.State);
    }

    [Fact]
    public async Task IdleConnection_IsClosedByTheEndpoint_AndAFollowIsNot()
    {
        var limits = ControlLimits.Default with { IdleTimeout = TimeSpan.FromMilliseconds(300) };
        var (_, endpoint, client) = await ServeAsync("counter: i=0; while :; do i=$((i+1)); echo \"line $i\"; sleep 0.1; done\n", null, 17440, limits);
        await using var __ = client;
        using var idle = await RawConnection.OpenAsync(endpoint.SocketPath);
        using var follow = await RawConnection.OpenAsync(endpoint.SocketPath);
        await follow.SendAsync("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"formation/logs\",\"params\":{\"Tail\":0,\"Follow\":true}}\n");

        Assert.Null(await idle.ReadLineAsync()); // closed by the endpoint: nothing was asked
        var numbers = new List<int>();
        while (numbers.Count < 30) // three seconds of lines, ten times the idle timeout
        {
            var line = JsonDocument.Parse(await follow.ReadLineAsync() ?? throw new Xunit.Sdk.XunitException("the follow was closed")).RootElement;
            if (line.GetProperty("method").GetString() == ControlProtocol.WorkingNotification) continue; // the owner's heartbeat
            numbers.AddRange(line.GetProperty("params").GetProperty("Lines").EnumerateArray().Select(l => int.Parse(l.GetProperty("Line").GetString()!["line ".Length..], System.Globalization.CultureInfo.InvariantCulture)));
        }
        Assert.Equal(Enumerable.Range(numbers[0], numbers.Count), numbers);
    }

    [Fact]
    public async Task ClientThatClosesItsSide_StillGetsTheAnswersToWhatItAsked()
    {
        var (f, endpoint, client) = await ServeAsync($"web: {Loop}\n", null, 17450);
        await using var _ = client;
        using var raw = await RawConnection.OpenAsync(endpoint.SocketPath);

        await raw.SendAsync(Hello + "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"formation/processes\"}");
        raw.EndRequests();

        // Requests run side by side: the replies may come in either order (JSON-RPC matches them by id).
        var replies = new[] { await raw.ReadReplyAsync(), await raw.ReadReplyAsync() }.ToDictionary(r => r.GetProperty("id").GetInt32());
        Assert.Equal(f.Name, replies[1].GetProperty("result").GetProperty("Name").GetString());
        Assert.Equal("web.1", replies[2].GetProperty("result")[0].GetProperty("Name").GetString());
        Assert.Null(await raw.ReadLineAsync());
    }

    [Fact]
    public async Task NotificationWithoutAnId_IsServedWithoutAReply()
    {
        var (_, endpoint, client) = await ServeAsync($"web: {Loop}\n", null, 17460);
        await using var _ = client;
        using var raw = await RawConnection.OpenAsync(endpoint.SocketPath);

        await raw.SendAsync("{\"jsonrpc\":\"2.0\",\"method\":\"formation/processes\"}\n{\"jsonrpc\":\"2.0\",\"method\":\"formation/nope\"}\n" + Hello);

        Assert.Equal(1, JsonDocument.Parse(await raw.ReadLineAsync() ?? "{}").RootElement.GetProperty("id").GetInt32());
    }

    [Fact]
    public async Task OversizedRequest_GetsAnErrorReply_AndItsConnectionCloses()
    {
        var (f, endpoint, client) = await ServeAsync($"web: {Loop}\n", null, 17470);
        await using var _ = client;
        using var raw = await RawConnection.OpenAsync(endpoint.SocketPath);

        await raw.SendAsync("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"formation/hello\",\"params\":{\"x\":\"" + new string('x', ControlProtocol.MaxRequestBytes) + "\"}}\n");

        Assert.Contains("larger than", await raw.ReadLineAsync());
        Assert.Null(await raw.ReadLineAsync());
        Assert.Equal(FormationState.Running, f.State);
        Assert.Single(await client.GetProcessesAsync());
    }

    [Fact]
    public async Task MutatedRequests_EachGetOneReply_AndTheFormationKeepsSupervising()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("FORMATION_FUZZ_SEED"), System.Globalization.CultureInfo.InvariantCulture, out var s) ? s : 20261203;
        var (f, endpoint, client) = await ServeAsync($"web: {Loop}\nworker: {Loop}\n", null, 17480);
        await using var _ = client;
        var pids = f.GetProcesses().Select(p => p.ProcessId).ToList();
        using var raw = await RawConnection.OpenAsync(endpoint.SocketPath);

        var fuzz = new ControlRequestFuzz(seed);
        var sent = 0;
        for (var i = 0; i < 400; i++)
        {
            var line = fuzz.Next();
            if (!ControlRequestFuzz.IsHarmless(line)) continue; // a mutation that happens to ask for a stop, a scale or a follow
            var where = $"seed {seed}, case {i}: {Encoding.UTF8.GetString(line)}";
            await raw.SendAsync([.. line, (byte)'\n']);
            await raw.SendAsync($"{{\"jsonrpc\":\"2.0\",\"id\":\"sentinel-{i}\",\"method\":\"formation/hello\"}}\n");
            var replies = new List<JsonElement>();
            while (true)
            {
                var text = await raw.ReadLineAsync() ?? throw new Xunit.Sdk.XunitException($"{where}: the endpoint closed the connection");
                var message = JsonDocument.Parse(text).RootElement;
                Assert.Equal("2.0", message.GetProperty("jsonrpc").GetString());
                if (!message.TryGetProperty("id", out var id)) continue; // a log notification
                if (id.ValueKind == JsonValueKind.String && id.GetString() == $"sentinel-{i}") break;
                replies.Add(message);
            }
            var expected = ControlRequestFuzz.IsNotification(line) ? 0 : 1;
            // Requests run side by side, so a reply may come after the sentinel's (JSON-RPC matches them by id).
            while (replies.Count < expected)
            {
                var text = await raw.ReadLineAsync() ?? throw new Xunit.Sdk.XunitException($"{where}: the endpoint closed the connection");
                var message = JsonDocument.Parse(text).RootElement;
                if (message.TryGetProperty("id", out var _)) replies.Add(message);
            }
            Assert.True(replies.Count == expected, $"{where}: {replies.Count} replies, expected {expected}");
            if (replies.Count == 1 && replies[0].TryGetProperty("error", out var error))
            {
                Assert.NotEqual(ControlProtocol.InternalError, error.GetProperty("code").GetInt32());
                Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()), where);
            }
            sent++;
        }

        Assert.True(sent >= 200, $"only {sent} cases were sent");
        Assert.Equal(FormationState.Running, f.State);
        Assert.Equal(pids, f.GetProcesses().Select(p => p.ProcessId));
        Assert.Equal(2, (await client.GetProcessesAsync()).Length);
    }
}
