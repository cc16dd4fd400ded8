using Formation.Engine.Configuration;
using Formation.Engine.Os;
using Formation.Engine.Output;

namespace Formation.Engine.Supervision;

/// <summary>The real edges: posix_spawn, the epoll readers, TCP/HTTP probes, group signals, /proc sweeps.</summary>
internal sealed class OsEdges(Action<Report> post, TimeProvider time, CancellationToken killNow, EventDispatcher events, OutputFlow flow)
    : ISupervisorEdges
{
    private readonly Spawner _spawner = new(post, time);

    public void Spawn(ManagedProcess process, int generation) => _spawner.Spawn(process, generation);

    public void ReadOutput(ManagedProcess process, ProcessRun run)
    {
        OutputPump.Start(events, flow, process, run, run.Child!.StdOut, LogStream.StdOut);
        OutputPump.Start(events, flow, process, run, run.Child.StdErr, LogStream.StdErr);
    }

    public void ProbePort(ManagedProcess process, ProcessRun run, ReadyProbe probe, int port) =>
        _ = Task.Run(() => ReadyProbes.PollAsync(process.Name, run, probe, port, time,
            () => post(new Report.BecameReady(process, run)), line => post(new Report.Notice(line))));

    public void StopGroup(GroupStop stop) => stop.Begin(post, time, killNow);

    public void Release(int pgid) => Watchdog.Remove(pgid);

    public void SweepEscapes(string marker, TimeSpan grace) =>
        _ = Task.Run(async () => post(new Report.EscapesStopped(await Escapes.StopAsync(marker, adopted: false, grace).ConfigureAwait(false))));

    public void Complete() => _spawner.Complete();
}
