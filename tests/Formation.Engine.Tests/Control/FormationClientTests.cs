using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Formation.Engine.Control;

namespace Formation.Engine.Tests.Control;

/// <summary>
/// The client against endpoints that misbehave, played by real sockets in the test: one that never answers
/// (its owner stopped), one that answers hello and then goes silent, one whose owner dies mid-call.
/// </summary>
public sealed class FormationClientTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly string _dir = Directory.CreateTempSubdirectory("formation-client-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Connect_ToAnOwnerThatNeverAnswers_FailsWithinTheDeadline_NamingItAndItsPid()
    {
        using var listener = Listen("shop"); // queued by the kernel, never accepted: a stopped owner

        var watch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<FormationNotAnsweringException>(() => FormationClient.ConnectAsync("shop", _dir).WaitAsync(Patience));

        Assert.Equal($"Formation 'shop' (pid {Environment.ProcessId}) did not answer within 5 s.", error.Message);
        Assert.True(watch.Elapsed < Patience);
    }

    [Fact]
    public async Task Call_ToAnOwnerThatFallsSilentAfterHello_FailsWithinTheDeadline()
    {
        using var listener = Listen("shop");
        var serving = ServeAsync(listener, answerHello: true, then: _ => Task.Delay(Patience));
        await using var client = await FormationClient.ConnectAsync("shop", _dir).WaitAsync(Patience);

        var error = await Assert.ThrowsAsync<FormationNotAnsweringException>(() => client.GetProcessesAsync().WaitAsync(Patience));

        Assert.Contains("did not answer within 5 s", error.Message);
        Assert.False(serving.IsFaulted);
    }

    [Fact]
    public async Task Follow_WhoseOwnerDiesMidway_EndsWithOwnerLost_NotAHang()
    {
        using var listener = Listen("shop");
        _ = ServeAsync(listener, answerHello: true, then: async socket =>
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"method\":\"formation/log\",\"params\":{\"Request\":2,\"Lines\":[]}}\n"));
            socket.Close(); // the owner is SIGKILLed: the kernel closes its end
        });
        await using var client = await FormationClient.ConnectAsync("shop", _dir).WaitAsync(Patience);

        var error = await Assert.ThrowsAsync<FormationOwnerLostException>(async () =>
        {
            await foreach (var _ in client.GetLogAsync(follow: true).WithCancellation(new CancellationTokenSource(Patience).Token)) { }
        });

        Assert.Equal($"Formation 'shop' is gone: its owner (pid {Environment.ProcessId}) ended without stopping it.", error.Message);
    }

    private Socket Listen(string name)
    {
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(ControlDirectory.SocketPath(name, _dir)));
        listener.Listen(8);
        return listener;
    }

    /// <summary>Accepts one connection, answers its hello as an owner of this protocol would, then does <paramref name="then"/>.</summary>
    private static async Task ServeAsync(Socket listener, bool answerHello, Func<Socket, Task> then)
    {
        using var socket = await listener.AcceptAsync();
        var reader = new StreamReader(new NetworkStream(socket, ownsSocket: false));
        var hello = await reader.ReadLineAsync();
        if (answerHello && hello is not null)
        {
            var info = new FormationInfo("shop", "/app/Procfile", "/app", Environment.ProcessId, DateTimeOffset.Now, Formation.Engine.Supervision.FormationState.Running, 1,
                new Dictionary<string, int> { ["web"] = 1 }, ControlProtocol.Version);
            var id = System.Text.Json.JsonDocument.Parse(hello).RootElement.GetProperty("id").GetRawText();
            await socket.SendAsync(JsonRpcFormat.Result(id, info, ControlProtocol.TypeInfo<FormationInfo>()));
        }
        await reader.ReadLineAsync(); // the request the test makes
        await then(socket);
    }
}
