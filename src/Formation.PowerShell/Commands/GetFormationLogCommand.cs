using System.Collections.Concurrent;
using System.Management.Automation;
using Formation.Engine;
using Formation.Engine.Output;

namespace Formation.PowerShell.Commands;

/// <summary>
/// Gets buffered output lines as records; <c>-Wait</c> follows new lines until Ctrl+C, the pipeline is
/// stopped, or every formation followed has ended.
/// </summary>
[Cmdlet(VerbsCommon.Get, "FormationLog")]
[OutputType(typeof(FormationLogRecord))]
public sealed class GetFormationLogCommand : FormationCmdlet
{
    /// <summary>How many lines -Wait holds for a slow reader; past that, lines are dropped and the count is said in the output.</summary>
    internal const int FollowCapacity = 2_000;

    /// <summary>Process names (<c>web.1</c>, or <c>system</c> for the manager's own lines); wildcards are allowed. First, as in Get-FormationProcess.</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ProcessNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>The formations: names or Formation objects (also from the pipeline). Default: all.</summary>
    [Parameter(ValueFromPipeline = true)]
    [FormationTransformation]
    [ArgumentCompleter(typeof(FormationNameCompleter))]
    public Formation[]? Formation { get; set; }

    /// <summary>Process types; wildcards are allowed.</summary>
    [Parameter]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ProcessTypeCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Type { get; set; }

    /// <summary>Only the last N lines (of the lines selected).</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int? Tail { get; set; }

    /// <summary>Keep writing new lines until Ctrl+C or every formation has ended.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    private readonly List<FormationAccess> _formations = [];

    /// <summary>Formations piped in one at a time are collected, then read (and followed) together.</summary>
    protected override void ProcessRecord() =>
        _formations.AddRange(GivenOrAll(Formation).Select(f => f.Access).Where(t => !_formations.Exists(x => x.Name == t.Name)));

    protected override void EndProcessing()
    {
        var formations = _formations;
        ReportUnknownNames(formations);
        var names = Patterns(Name);
        var types = Patterns(Type);
        bool Selected(LogLine l) =>
            (names is null || names.Any(n => n.IsMatch(l.Process))) && (types is null || (l.Type is { } t && types.Any(p => p.IsMatch(t))));
        var prefixes = new LogPrefixes(formations.SelectMany(f => f.Processes().Select(p => p.Name)));

        var follow = Wait ? new Follower(formations, Selected) : null;
        try
        {
            var buffered = formations.SelectMany(LogOf).Where(Selected).OrderBy(l => l.Timestamp).ToList();
            if (Tail is { } n && buffered.Count > n) buffered = buffered.GetRange(buffered.Count - n, n);
            WriteObject(buffered.Select(prefixes.Record).ToArray(), enumerateCollection: true);
            if (follow is null) return;
            var seen = new HashSet<LogLine>(buffered, ReferenceEqualityComparer.Instance);
            try
            {
                foreach (var line in follow.Lines(CancelToken))
                    if (!seen.Contains(line)) WriteObject(prefixes.Record(line));
            }
            catch (OperationCanceledException)
            {
                throw new PipelineStoppedException();
            }
        }
        finally
        {
            follow?.Dispose();
        }
    }

    /// <summary>
    /// An error for each plain name that is no process of the formations read (nor <c>system</c>); one that names a
    /// formation says to pass it with -Formation (the process name comes first, as in Get-FormationProcess).
    /// </summary>
    private void ReportUnknownNames(List<FormationAccess> formations)
    {
        var known = formations.SelectMany(f => f.Processes().Select(p => p.Name)).Append(LogLine.SystemName).Distinct().ToList();
        foreach (var name in (Name ?? []).Where(n => !WildcardPattern.ContainsWildcardCharacters(n)))
        {
            if (known.Contains(name, StringComparer.OrdinalIgnoreCase)) continue;
            var error = NotFound(name, "process", known);
            if (Session.All().Any(f => f.Name == name))
                error.ErrorDetails = new ErrorDetails($"No process named '{name}'. '{name}' is a formation: use Get-FormationLog -Formation {name} (the first argument is a process name, as in Get-FormationProcess).");
            WriteError(error);
        }
    }

    /// <summary>A formation's buffered lines; one that cannot be read (it just ended elsewhere) is an error, not the end of the command.</summary>
    private IReadOnlyList<LogLine> LogOf(FormationAccess formation)
    {
        try
        {
            return formation.Log();
        }
        catch (FormationException ex)
        {
            WriteError(OperationError(ex, "FormationLogUnavailable", formation.Name));
            return [];
        }
    }

    /// <summary>
    /// New lines of the formations followed, held in a bounded queue: the formations' readers never wait for
    /// this reader; when it falls behind, lines are dropped and a system record says how many. The lines end
    /// when every formation has ended.
    /// </summary>
    private sealed class Follower : IDisposable
    {
        private readonly BlockingCollection<LogLine> _queue = new(FollowCapacity);
        private readonly List<IDisposable> _follows;
        private readonly CancellationTokenSource _stop = new();
        private readonly Func<LogLine, bool> _selected;
        private long _dropped;

        public Follower(List<FormationAccess> formations, Func<LogLine, bool> selected)
        {
            _selected = selected;
            _follows = formations.Select(f => f.Follow(OnOutput)).ToList();
            Task.WhenAll(formations.Select(f => f.WhenEndedAsync(_stop.Token))).ContinueWith(_ => End(), TaskScheduler.Default);
        }

        public IEnumerable<LogLine> Lines(CancellationToken token)
        {
            foreach (var line in _queue.GetConsumingEnumerable(token))
            {
                var dropped = Interlocked.Exchange(ref _dropped, 0);
                if (dropped > 0)
                {
                    yield return new LogLine(DateTimeOffset.Now, line.Formation, LogLine.SystemName, null, LogStream.System,
                        $"{dropped} lines were dropped here: this reader fell behind the output (Get-FormationLog -Tail shows the buffered lines).");
                }
                yield return line;
            }
        }

        public void Dispose()
        {
            foreach (var f in _follows) f.Dispose();
            _stop.Cancel();
            _stop.Dispose();
            End();
        }

        private void OnOutput(LogLine line)
        {
            if (!_selected(line)) return;
            try
            {
                if (!_queue.IsAddingCompleted && !_queue.TryAdd(line)) Interlocked.Increment(ref _dropped);
            }
            catch (InvalidOperationException)
            {
                // Completed between the check and the add: the formation ended.
            }
        }

        private void End()
        {
            try
            {
                _queue.CompleteAdding();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }
}
