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
/// Each spawn is reported as soon as it is made (spawns running side by side may so be reported out of the order
/// asked). The loop runs on a thread of its own (<see cref="SerialQueue{T}"/>), so a report costs it a wake-up, not
/// a thread-pool work item; batching reports behind a timer cost a pool work item per batch, and a pool worker
/// spins (sched_yield) each time it runs out of work. A child is watched for its exit only once its spawn has been reported, so the loop always learns of a run before
/// its end; until then the reaper holds off reaping unknown children (<see cref="ChildReaper.HoldReaping"/>).
/// Idle workers end after <see cref="IdleEnd"/>: an idle formation keeps no spawn thread.
/// </remarks>
internal sealed class Spawner
{
    private static readonly TimeSpan OutputDrainGrace = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan IdleEnd = TimeSpan.FromSeconds(30);
    private static readonly int MaxWorkers = Math.Clamp(Environment.ProcessorCount * 2, 2, 8);

    private readonly object _gate = new();
    private readonly Queue<Job> _jobs = new();
    private readonly Action<Report> _post;
    private readonly TimeProvider _time;
    private int _workers;
    private int _idle;
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
            _jobs.Enqueue(new Job(process, generation));
            if (_idle > 0)
            {
                Monitor.Pulse(_gate);
                return;
            }
            if (_workers == MaxWorkers) return;
            _workers++;
        }
        // Started outside the lock: a start waits for the thread to run, and the workers need the lock.
        new Thread(Work, 256 * 1024) { IsBackground = true, Name = "formation spawn" }.Start();
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
            }
            var done = SpawnOne(job);
            Report(done);
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

    /// <summary>Tells the loop of the spawn; then watches its child.</summary>
    private void Report(Done done)
    {
        var (job, run) = (done.Job, done.Run);
        if (run is null)
        {
            _post(new Report.CouldNotStart(job.Process, job.Generation, done.Reason!, done.ExitCode));
            return;
        }
        _post(new Report.Spawned(job.Process, job.Generation, run));
        var p = job.Process;
        ChildReaper.Watch(run.Pid, status => Task.Run(() => ReportExitAsync(p, run, status)));
        done.Reaping.Dispose();
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

    private readonly record struct Job(ManagedProcess Process, int Generation);

    private readonly record struct Done(Job Job, ProcessRun? Run, string? Reason, int ExitCode, ChildReaper.Hold Reaping);
}
