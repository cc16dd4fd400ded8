using System.Collections.Concurrent;
using System.Management.Automation;
using Formation.Engine.Output;
using Formation.Engine.Supervision;

namespace Formation.PowerShell.Commands;

/// <summary>Gets buffered output lines as records; <c>-Wait</c> follows new lines until Ctrl+C or the formation ends.</summary>
[Cmdlet(VerbsCommon.Get, "FormationLog")]
[OutputType(typeof(LogLine))]
public sealed class GetFormationLogCommand : FormationCmdlet
{
    /// <summary>The formations: names or Formation objects (also from the pipeline). Default: all.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true)]
    [FormationTransformation]
    [ArgumentCompleter(typeof(FormationNameCompleter))]
    public ProcessFormation[]? Formation { get; set; }

    /// <summary>Process names (<c>web.1</c>, or <c>system</c> for the manager's own lines); wildcards are allowed.</summary>
    [Parameter(Position = 1)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ProcessNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

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

    protected override void ProcessRecord()
    {
        var formations = GivenOrAll(Formation);
        var names = Patterns(Name);
        var types = Patterns(Type);
        bool Selected(LogLine l) =>
            (names is null || names.Any(n => n.IsMatch(l.Process))) && (types is null || (l.Type is { } t && types.Any(p => p.IsMatch(t))));

        using var live = new BlockingCollection<LogLine>();
        void OnOutput(object? sender, LogLine line)
        {
            if (Selected(line)) FormationCmdlet.Offer(live, line);
        }
        if (Wait)
        {
            foreach (var f in formations) f.Output += OnOutput;
            _ = Task.WhenAll(formations.Select(f => f.Completion)).ContinueWith(_ => live.CompleteAdding(), TaskScheduler.Default);
        }
        try
        {
            var buffered = formations.SelectMany(f => f.GetLog()).Where(Selected).OrderBy(l => l.Timestamp).ToList();
            if (Tail is { } n && buffered.Count > n) buffered = buffered.GetRange(buffered.Count - n, n);
            WriteObject(buffered, enumerateCollection: true);
            if (!Wait) return;
            var seen = new HashSet<LogLine>(buffered, ReferenceEqualityComparer.Instance);
            try
            {
                foreach (var line in live.GetConsumingEnumerable(CancelToken))
                    if (!seen.Contains(line)) WriteObject(line);
            }
            catch (OperationCanceledException)
            {
                throw new PipelineStoppedException();
            }
        }
        finally
        {
            foreach (var f in formations) f.Output -= OnOutput;
        }
    }
}
