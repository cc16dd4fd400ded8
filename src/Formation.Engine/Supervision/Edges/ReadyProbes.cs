using System.Net.Sockets;
using Formation.Engine.Configuration;
using Formation.Engine.Os;

namespace Formation.Engine.Supervision;

/// <summary>
/// TCP and HTTP readiness probes, tried with backoff until they pass or the run's probe token is cancelled.
/// A probe passes only when a process of the instance's own group listens on the port: another process
/// on the PORT (a start with force) must not make the instance Ready.
/// </summary>
internal static class ReadyProbes
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Polls until the probe passes (then calls <c>onReady</c>) or the run's probe is stopped; <c>say</c> is
    /// told once when another process answers on the port.
    /// </summary>
    public static async Task PollAsync(string name, ProcessRun run, ReadyProbe probe, int port, TimeProvider time, Action onReady, Action<string> say)
    {
        var delay = FirstDelay;
        var token = run.Probe.Token;
        var toldForeign = false;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(delay, time, token).ConfigureAwait(false);
                if (await ProbeOnceAsync(probe, port, token).ConfigureAwait(false))
                {
                    if (PortOwners.ListenedOnByGroup(port, run.Pid))
                    {
                        onReady();
                        return;
                    }
                    if (!toldForeign)
                    {
                        toldForeign = true;
                        var owner = PortOwners.Find([port]).GetValueOrDefault(port, "another process");
                        say($"{name}: port {port} answers, but {owner} listens on it, not {name}: waiting for {name} to listen");
                    }
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            delay = delay * 2 < MaxDelay ? delay * 2 : MaxDelay;
        }
    }

    private static async Task<bool> ProbeOnceAsync(ReadyProbe probe, int port, CancellationToken token)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(token);
            attempt.CancelAfter(ConnectTimeout);
            await socket.ConnectAsync(System.Net.IPAddress.Loopback, port, attempt.Token).ConfigureAwait(false);
            if (probe.Kind == ReadyKind.Tcp) return true;
            attempt.CancelAfter(HttpStatus.Timeout);
            return await HttpStatus.GetAsync(socket, port, probe.Path ?? "/", attempt.Token).ConfigureAwait(false) is >= 200 and < 400;
        }
        catch (Exception ex) when (ex is SocketException or IOException || (ex is OperationCanceledException && !token.IsCancellationRequested))
        {
            return false;
        }
    }
}
