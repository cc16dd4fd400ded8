using System.Management.Automation;

namespace Formation.PowerShell.Commands;

/// <summary>Gets process instances (one object each) as snapshots that are safe to hold and pipe.</summary>
[Cmdlet(VerbsCommon.Get, "FormationProcess")]
[OutputType(typeof(FormationProcess))]
public sealed class GetFormationProcessCommand : FormationCmdlet
{
    /// <summary>Process names (<c>web.1</c>); wildcards are allowed. Default: all.</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ProcessNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>Process types (<c>web</c>); wildcards are allowed.</summary>
    [Parameter]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ProcessTypeCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Type { get; set; }

    /// <summary>The formations: names or Formation objects (also from the pipeline). Default: all.</summary>
    [Parameter(ValueFromPipeline = true)]
    [FormationTransformation]
    [ArgumentCompleter(typeof(FormationNameCompleter))]
    public Formation[]? Formation { get; set; }

    /// <summary>Only processes in these states.</summary>
    [Parameter]
    public FormationProcessState[]? State { get; set; }

    protected override void ProcessRecord()
    {
        var types = Patterns(Type);
        var processes = MatchNames(GivenOrAll(Formation).SelectMany(f => f.Processes).ToList(), p => p.Name, Name, "process")
            .Where(p => types is null || types.Any(t => t.IsMatch(p.Type)))
            .Where(p => State is null || State.Contains(p.State))
            .ToArray();
        WriteObject(processes, enumerateCollection: true);
    }
}
