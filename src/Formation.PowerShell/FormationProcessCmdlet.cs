using System.Management.Automation;
using Formation.Engine;
using EngineProcess = Formation.Engine.Supervision.FormationProcess;

namespace Formation.PowerShell;

/// <summary>
/// The base of cmdlets that act on process instances: piped from Get-FormationProcess (by value), or
/// named with <c>-Name</c> (wildcards) and optionally <c>-Formation</c> (by property name too).
/// </summary>
public abstract class FormationProcessCmdlet : FormationCmdlet
{
    protected const string NameSet = "Name";
    protected const string InputObjectSet = "InputObject";

    /// <summary>Process names (<c>web.1</c>); wildcards are allowed (<c>web.*</c>).</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ProcessNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>The formation the processes belong to: a name or a Formation object. Default: every running formation of the session.</summary>
    [Parameter(ParameterSetName = NameSet, ValueFromPipelineByPropertyName = true)]
    [FormationTransformation]
    [ArgumentCompleter(typeof(FormationNameCompleter))]
    public Formation[]? Formation { get; set; }

    /// <summary>Process objects from Get-FormationProcess.</summary>
    [Parameter(Mandatory = true, ParameterSetName = InputObjectSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public FormationProcess[]? InputObject { get; set; }

    /// <summary>Write the process as it is after the operation.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>The (formation, process name) pairs this record names; errors for names that match nothing.</summary>
    private protected IEnumerable<(FormationAccess Formation, string Process)> Selected()
    {
        if (ParameterSetName == InputObjectSet)
        {
            foreach (var p in InputObject!)
            {
                var f = Session.Find(p.Formation);
                if (f is null) WriteError(NotFound(p.Formation, "formation", Session.All().Select(x => x.Name)));
                else yield return (f.Access, p.Name);
            }
            yield break;
        }
        // Without -Formation, names are looked for in the formations that still run: an ended formation's
        // web.1 must not shadow (or be restarted instead of) the web.1 of the one running now.
        var formations = Formation is { Length: > 0 } given ? given : Session.Formations.Where(f => !f.Access.HasEnded).ToArray();
        var processes = formations.SelectMany(f => f.Access.Processes().Select(p => (Formation: f.Access, Process: p.Name))).ToList();
        foreach (var target in MatchNames(processes, x => x.Process, Name, "process", Formation is { Length: > 0 } ? null : InEndedFormations))
            yield return target;
    }

    /// <summary>The error for a name found only in formations of the session that have ended; null when it is in none.</summary>
    private static ErrorRecord? InEndedFormations(string name)
    {
        var ended = Session.Formations.Where(f => f.Access.HasEnded && f.Access.Processes().Any(p => p.Name == name)).Select(f => f.Name).ToList();
        if (ended.Count == 0) return null;
        var message = $"No running formation has a process named '{name}'; {string.Join(", ", ended.Select(n => $"'{n}'"))} " +
            $"{(ended.Count == 1 ? "has" : "have")} one but ended. Start it again with Start-Formation, or name it with -Formation to see its record.";
        return new ErrorRecord(new ItemNotFoundException(message), "FormationProcessInEndedFormation", ErrorCategory.ObjectNotFound, name);
    }

    /// <summary>
    /// Runs one engine operation per target, with ShouldProcess, Write-Progress over the targets, a verbose
    /// line per step, errors per target and -PassThru. Targets piped one at a time count one at a time.
    /// </summary>
    private protected void ForEachTarget(string action, Func<FormationAccess, string, EngineProcess> operation)
    {
        var targets = Selected().ToList();
        for (var i = 0; i < targets.Count; i++)
        {
            var (formation, process) = targets[i];
            if (!ShouldProcess($"{process} ({formation.Name})", action)) continue;
            var progress = new ProgressRecord(1, $"{action} formation processes", $"{action}: {process} ({i + 1} of {targets.Count})")
            {
                PercentComplete = 100 * i / targets.Count,
            };
            if (targets.Count > 1) WriteProgress(progress);
            WriteVerbose($"{action}: {process} of formation '{formation.Name}'.");
            EngineProcess result;
            try
            {
                result = operation(formation, process);
            }
            catch (FormationException ex)
            {
                WriteError(OperationError(ex, $"FormationProcess{action}Failed", process));
                continue;
            }
            WriteVerbose($"{action}: {result.Name} is {Objects.StateOf(result)}" + (result.ProcessId is { } pid ? $" (pid {pid})." : "."));
            if (PassThru) WriteObject(Objects.From(result));
        }
        if (targets.Count > 1)
            WriteProgress(new ProgressRecord(1, $"{action} formation processes", "Done") { RecordType = ProgressRecordType.Completed });
    }
}
