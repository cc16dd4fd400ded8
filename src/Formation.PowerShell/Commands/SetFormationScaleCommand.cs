using System.Management.Automation;
using Formation.Engine;
using Formation.Engine.Configuration;

namespace Formation.PowerShell.Commands;

/// <summary>Sets how many instances of a process type run; new ones take the next indexes and ports.</summary>
[Cmdlet(VerbsCommon.Set, "FormationScale", SupportsShouldProcess = true, DefaultParameterSetName = TypeSet)]
[OutputType(typeof(FormationProcess))]
public sealed class SetFormationScaleCommand : FormationCmdlet
{
    private const string TypeSet = "Type";
    private const string ScaleSet = "Scale";

    /// <summary>The formation: a name or a Formation object. Default: the only formation running.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true)]
    [FormationTransformation]
    [ArgumentCompleter(typeof(FormationNameCompleter))]
    public Formation? Formation { get; set; }

    /// <summary>The process type to scale.</summary>
    [Parameter(Mandatory = true, ParameterSetName = TypeSet)]
    [ArgumentCompleter(typeof(ProcessTypeCompleter))]
    [ValidateNotNullOrEmpty]
    public string Type { get; set; } = "";

    /// <summary>The number of instances; 0 stops them all.</summary>
    [Parameter(Mandatory = true, ParameterSetName = TypeSet)]
    [ValidateRange(0, FormationPlan.MaxInstances)]
    public int Count { get; set; }

    /// <summary>Several types at once: <c>@{ web = 2; worker = 4 }</c> or <c>'web=2,worker=4'</c>.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ScaleSet)]
    public ScaleArgument? Scale { get; set; }

    /// <summary>Write the processes added and removed.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var formation = Formation ?? SingleFormation();
        Dictionary<string, int> counts;
        try
        {
            counts = ParameterSetName == ScaleSet
                ? Expand(formation.Access.Types(), Scale!.Resolve([.. formation.Access.Types()]))
                : new Dictionary<string, int> { [Type] = Count };
        }
        catch (FormationConfigException ex)
        {
            // One error per problem (two unknown types are two errors), each with the id of its kind.
            foreach (var error in ex.Errors)
                WriteError(OperationError(new FormationConfigException(error), error.Kind == ConfigErrorKind.UnknownType ? "FormationTypeUnknown" : "FormationParameterInvalid", Scale));
            return;
        }
        foreach (var (type, count) in counts)
        {
            if (!ShouldProcess($"{type} ({formation.Name})", $"Scale to {count}")) continue;
            try
            {
                WriteVerbose($"Scaling {type} of formation '{formation.Name}' to {count}.");
                var result = Await(formation.Access.ScaleAsync(type, count, CancelToken));
                WriteVerbose($"{type}: {result.Added.Count} added, {result.Removed.Count} removed.");
                if (!PassThru) continue;
                WriteObject(result.Added.Select(Objects.From).ToArray(), enumerateCollection: true);
                WriteObject(result.Removed.Select(Objects.From).ToArray(), enumerateCollection: true);
            }
            catch (FormationException ex)
            {
                WriteError(OperationError(ex, "FormationScaleFailed", type));
            }
        }
    }

    /// <summary><c>all=N</c> sets every type not named (the one expansion, <see cref="ScaleSpec.CountFor"/>); names that are no type stay, to be refused.</summary>
    private static Dictionary<string, int> Expand(IReadOnlyList<string> types, IReadOnlyDictionary<string, int> counts)
    {
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var t in types)
            if (ScaleSpec.CountFor(counts, t) is { } n) result[t] = n;
        foreach (var (k, v) in counts.Where(kv => kv.Key != ScaleSpec.All && !result.ContainsKey(kv.Key))) result[k] = v;
        return result;
    }
}
