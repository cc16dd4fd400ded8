using Formation.Engine.Configuration;

namespace Formation.Engine.Supervision;

/// <summary>
/// The loop's only ways out to the operating system. Each call returns at once; what follows comes back to
/// the loop as a <see cref="Report"/>. <see cref="OsEdges"/> are the real ones (processes, pipes, signals,
/// sockets); tests script them, so that recorded histories drive the real <see cref="Supervisor"/> on a fake
/// clock, without processes.
/// </summary>
internal interface ISupervisorEdges
{
    /// <summary>Spawns a run: reports <see cref="Report.Spawned"/> or <see cref="Report.CouldNotStart"/> with the generation, later <see cref="Report.Ended"/>.</summary>
    void Spawn(ManagedProcess process, int generation);

    /// <summary>Starts reading the run's stdout and stderr (the output events and the ready matcher).</summary>
    void ReadOutput(ManagedProcess process, ProcessRun run);

    /// <summary>Tries a TCP or HTTP probe until it passes (<see cref="Report.BecameReady"/>) or the run's probe is cancelled.</summary>
    void ProbePort(ManagedProcess process, ProcessRun run, ReadyProbe probe, int port);

    /// <summary>
    /// Stops a group: its signal now; <see cref="Report.StopDeadline"/> at the timeout, SIGKILL when the loop says
    /// so (<see cref="GroupStop.Kill"/>); <see cref="Report.GroupGone"/> once no member is left.
    /// </summary>
    void StopGroup(GroupStop stop);

    /// <summary>A run ended and left nothing in its group: the watchdog need not kill the group any more.</summary>
    void Release(int pgid);

    /// <summary>Stops what left its group (setsid) but carries the run's marker; reports <see cref="Report.EscapesStopped"/>.</summary>
    void SweepEscapes(string marker, TimeSpan grace);

    /// <summary>No more spawns will be asked for.</summary>
    void Complete();
}
