using System.Threading.Channels;
using Formation.Engine.Os;

namespace Formation.Engine.Supervision;

/// <summary>
/// Spawns instances at the edge, in the order asked, on one task of its own: the PATH search, the
/// posix_spawn and the reaper's lock never run on the supervisor's loop. Each spawn is reported back as
/// <see cref="Report.Spawned"/> or <see cref="Report.CouldNotStart"/>; the run's exit later as
/// <see cref="Report.Ended"/>, once its output has been read (or a short grace has passed).
/// </summary>
internal sealed class Spawner
{
    private static readonly TimeSpan OutputDrainGrace = TimeSpan.FromMilliseconds(250);

    private readonly Channel<(ManagedProcess Process, int Generation)> _jobs =
        Channel.CreateUnbounded<(ManagedProcess, int)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Action<Report> _post;
    private readonly TimeProvider _time;

    public Spawner(Action<Report> post, TimeProvider time)
    {
        _post = post;
        _time = time;
        _ = Task.Factory.StartNew(Work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    public void Spawn(ManagedProcess process, int generation) => _jobs.Writer.TryWrite((process, generation));

    public void Complete() => _jobs.Writer.TryComplete();

    private void Work()
    {
        var reader = _jobs.Reader;
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            while (reader.TryRead(out var job)) SpawnOne(job.Process, job.Generation);
    }

    private void SpawnOne(ManagedProcess p, int generation)
    {
        using var reaping = ChildReaper.HoldReaping();
        SpawnedChild child;
        try
        {
            child = ProcessSpawner.Spawn(p.Type.Command, p.Settings.WorkingDirectory, p.Environment);
        }
        catch (SpawnException ex)
        {
            _post(new Report.CouldNotStart(p, generation, ex.Message, ex.ExitCode));
            return;
        }
        catch (Exception ex) when (ex is IOException or PlatformNotSupportedException or UnauthorizedAccessException)
        {
            _post(new Report.CouldNotStart(p, generation, ex.Message, SpawnException.NotFound));
            return;
        }
        Watchdog.Add(child.Pid, p.Environment.GetValueOrDefault(Escapes.MarkerVariable));
        var run = new ProcessRun(child.Pid, _time.GetLocalNow(), child);
        _post(new Report.Spawned(p, generation, run));
        ChildReaper.Watch(child.Pid, status => Task.Run(() => ReportExitAsync(p, run, status)));
    }

    private async Task ReportExitAsync(ManagedProcess p, ProcessRun run, WaitStatus status)
    {
        // Let the readers deliver what the process wrote before it ended, so "exited" follows its last line.
        // A grandchild holding the pipe open must not delay the report for long.
        try
        {
            await run.ReadersDone.WaitAsync(OutputDrainGrace, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
        var leftovers = run.StopRequested ? [] : ProcessGroups.LiveMembers(run.Pid);
        _post(new Report.Ended(p, run, status, leftovers));
    }
}
