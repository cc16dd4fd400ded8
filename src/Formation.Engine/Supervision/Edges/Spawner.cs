using System.Diagnostics;
using Formation.Engine.Os;

namespace Formation.Engine.Supervision;

/// <summary>
/// Spawns instances at the edge, on a few threads of its own: the PATH search and the posix_spawn never run on
/// the supervisor's loop. A spawn waits until its child has exec'd (vfork), which on a busy machine is mostly
/// waiting for the child to be scheduled; so up to <see cref="MaxWorkers"/> spawns run at once, as goreman's
/// goroutines do. Each spawn is reported back as <see cref="Report.Spawned"/> or <see cref="Report.CouldNotStart"/>;
/// the run's exit later as <see cref="Report.Ended"/>, once its output has been read (or a short grace has passed).
/// </summary>
/// <remarks>
/// Reports are handed to the loop together: when no spawn is waiting to be made, or <see cref="ReportWindow"/> after
/// the first one waiting, in the order the spawns were asked for. A burst of 100 spawns then wakes the loop (and the
/// event subscribers after it) a few times instead of 100, which on a loaded machine costs more than the spawns.
/// The window is checked as spawns complete, with no timer: a timer's callback is a thread-pool work item, and a
/// pool worker spins (sched_yield) each time it runs out of work.
/// A child is watched for its exit only once its spawn has been reported, so the loop always learns of a run before
/// its end; until then the reaper holds off reaping unknown children (<see cref="ChildReaper.HoldReaping"/>).
/// Idle workers end after <see cref="IdleEnd"/>: an idle formation keeps no spawn thread.
/// </remarks>
internal sealed class Spawner
{
    private static readonly TimeSpan OutputDrainGrace = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan ReportWindow = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan IdleEnd = TimeSpan.FromSeconds(30);
    private static readonly int MaxWorkers = Math.Clamp(Environment.ProcessorCount * 2, 2, 8);

    private readonly object _gate = new();
    private readonly Queue<Job> _jobs = new();
    private readonly Action<Report> _post;
    private readonly TimeProvider _time;
    private List<Done> _done = [];
    private long _firstDone;
    private long _asked;
    private int _workers;
    private int _idle;
    private int _busy;
    private bool _completed;

    public Spawner(Action<Report> post, TimeProvider time)
    {
        _post = post;
        _time = time;
    }

    public void Spawn(ManagedProcess process, int generation)
    {
        lock (_gate)
        {
            if (_completed) return;
            _jobs.Enqueue(new Job(process, generation, ++_asked));
            if (_idle > 0)
            {
                Monitor.Pulse(_gate);
            }
            else if (_workers < MaxWorkers)
            {
                _workers++;
                new Thread(Work, 256 * 1024) { IsBackground = true, Name = "formation spawn" }.Start();
            }
        }
    }

    public void Complete()
    {
        lock (_gate)
        {
            _completed = true;
            Monitor.PulseAll(_gate);
        }
    }

    private void Work()
    {
        while (true)
        {
            Job job;
            lock (_gate)
            {
                while (_jobs.Count == 0)
                {
                    _idle++;
                    var woken = _completed || Monitor.Wait(_gate, IdleEnd);
                    _idle--;
                    if (_jobs.Count == 0 && (_completed || !woken))
                    {
                        _workers--;
                        return;
                    }
                }
                job = _jobs.Dequeue();
                _busy++;
            }
            var done = SpawnOne(job);
            List<Done>? ready = null;
            lock (_gate)
            {
                _busy--;
                if (_done.Count == 0) _firstDone = Stopwatch.GetTimestamp();
                _done.Add(done);
                // No spawn waiting: report now, so a spawn that hangs (a working directory on a dead mount) holds back
                // no other report.
                if (_jobs.Count == 0 || Stopwatch.GetElapsedTime(_firstDone) >= ReportWindow)
                {
                    ready = _done;
                    _done = [];
                }
            }
            if (ready is not null) Report(ready);
        }
    }

    private Done SpawnOne(Job job)
    {
        var p = job.Process;
        // Released once the child is watched (Report), or now when there is no child.
        var reaping = ChildReaper.HoldReaping();
        try
        {
            var child = ProcessSpawner.Spawn(p.Type.Command, p.Settings.WorkingDirectory, p.Environment);
            Watchdog.Add(child.Pid, p.Environment.GetValueOrDefault(Escapes.MarkerVariable));
            return new Done(job, new ProcessRun(child.Pid, _time.GetLocalNow(), child), null, 0, reaping);
        }
        catch (SpawnException ex)
        {
            reaping.Dispose();
            return new Done(job, null, ex.Message, ex.ExitCode, default);
        }
        catch (Exception ex) when (ex is IOException or PlatformNotSupportedException or UnauthorizedAccessException)
        {
            reaping.Dispose();
            return new Done(job, null, ex.Message, SpawnException.NotFound, default);
        }
    }

    /// <summary>Tells the loop of the spawns in the order they were asked for; then watches their children.</summary>
    private void Report(List<Done> done)
    {
        done.Sort((a, b) => a.Job.Asked.CompareTo(b.Job.Asked));
        foreach (var d in done)
        {
            _post(d.Run is { } run
                ? new Report.Spawned(d.Job.Process, d.Job.Generation, run)
                : new Report.CouldNotStart(d.Job.Process, d.Job.Generation, d.Reason!, d.ExitCode));
        }
        foreach (var d in done)
        {
            if (d.Run is not { } run) continue;
            var p = d.Job.Process;
            ChildReaper.Watch(run.Pid, status => Task.Run(() => ReportExitAsync(p, run, status)));
            d.Reaping.Dispose();
        }
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

    private readonly record struct Job(ManagedProcess Process, int Generation, long Asked);

    private readonly record struct Done(Job Job, ProcessRun? Run, string? Reason, int ExitCode, ChildReaper.Hold Reaping);
}
