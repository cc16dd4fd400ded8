// A tiny server for readiness tests, so the tests need nothing but .NET:
//   Formation.TestServer http|tcp [--delay-ms N] [--unhealthy-ms N]
// listens on 127.0.0.1:$PORT after the delay and prints "Listening on PORT". In http mode GET /health
// answers 503 for the first --unhealthy-ms, then 200; GET / answers 200 with the process name. It exits 0
// on SIGTERM or SIGINT.
//   Formation.TestServer alloc --mb N [--burn-ms N]
// allocates N MiB and writes every page of it (so it is resident), burns --burn-ms of CPU time, prints
// "allocated", and waits for SIGTERM or SIGINT (for the resource-usage tests).
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

var mode = args.Length > 0 ? args[0] : "http";
int Option(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1]) : 0;
if (mode == "alloc") return Allocate(Option("--mb"), Option("--burn-ms"));
var port = int.Parse(Environment.GetEnvironmentVariable("PORT") ?? throw new InvalidOperationException("PORT is not set"));
var name = Environment.GetEnvironmentVariable("FORMATION_PROCESS") ?? "server";

using var stop = new CancellationTokenSource();
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });

try
{
    await Task.Delay(Option("--delay-ms"), stop.Token);
    if (mode == "tcp")
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        Console.WriteLine($"Listening on {port}");
        while (!stop.IsCancellationRequested)
        {
            using var client = await listener.AcceptTcpClientAsync(stop.Token);
        }
    }
    else
    {
        // HTTP/1.1 by hand over a TcpListener: HttpListener's managed listener aborted the process (SIGABRT in its
        // accept) when a probe connected while it started, which failed readiness tests at random.
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        var healthyAt = DateTime.UtcNow.AddMilliseconds(Option("--unhealthy-ms"));
        Console.WriteLine($"Listening on {port}");
        while (!stop.IsCancellationRequested)
        {
            var client = await listener.AcceptTcpClientAsync(stop.Token);
            _ = Answer(client, name, healthyAt, stop.Token);
        }
    }
}
catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
{
}
Console.WriteLine("stopped");
return 0;

static async Task Answer(TcpClient client, string name, DateTime healthyAt, CancellationToken stop)
{
    using var _ = client;
    try
    {
        var stream = client.GetStream();
        var reader = new StreamReader(stream, Encoding.ASCII);
        var requestLine = await reader.ReadLineAsync(stop) ?? "";
        while (!string.IsNullOrEmpty(await reader.ReadLineAsync(stop)))
        {
            // the headers: not needed
        }
        var path = requestLine.Split(' ') is [_, var target, ..] ? target.Split('?')[0] : "/";
        var (status, body) = path switch
        {
            "/health" when DateTime.UtcNow < healthyAt => (503, "starting"),
            "/health" => (200, "ok"),
            "/" => (200, $"hello from {name}"),
            _ => (404, "not found"),
        };
        var bytes = Encoding.UTF8.GetBytes(body);
        var head = Encoding.ASCII.GetBytes($"HTTP/1.1 {status} {(status == 200 ? "OK" : "Not OK")}\r\nContent-Type: text/plain\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n");
        await stream.WriteAsync(head, stop);
        await stream.WriteAsync(bytes, stop);
    }
    catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
    {
        // The client went away, or the server is stopping.
    }
}

static int Allocate(int mebibytes, int burnMs)
{
    var block = GC.AllocateUninitializedArray<byte>(mebibytes * 1024 * 1024, pinned: true);
    for (var i = 0; i < block.Length; i += 4096) block[i] = 1;
    // CPU time, not wall time: on a loaded machine 300 ms of wall clock can hold half that of CPU.
    using var self = System.Diagnostics.Process.GetCurrentProcess();
    var until = self.TotalProcessorTime + TimeSpan.FromMilliseconds(burnMs);
    var spin = 0L;
    while (burnMs > 0)
    {
        spin++;
        if ((spin & 0xFFFFF) != 0) continue;
        self.Refresh();
        if (self.TotalProcessorTime >= until) break;
    }
    using var done = new ManualResetEventSlim();
    using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; done.Set(); });
    using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; done.Set(); });
    Console.WriteLine($"allocated {mebibytes} MiB ({spin} spins)");
    done.Wait();
    GC.KeepAlive(block);
    return 0;
}
