using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace Formation.PowerShell;

/// <summary>Completes the names of running formations.</summary>
public sealed class FormationNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        Completion.Of(Session.All().Select(f => f.Name), wordToComplete);
}

/// <summary>Completes process types (of the -Formation bound, or of every formation).</summary>
public sealed class ProcessTypeCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        Completion.Of(Completion.Formations(fakeBoundParameters).SelectMany(f => f.Access.Types()), wordToComplete);
}

/// <summary>Completes process names (<c>web.1</c>).</summary>
public sealed class ProcessNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        Completion.Of(Completion.Formations(fakeBoundParameters).SelectMany(f => f.Access.Processes().Select(p => p.Name)), wordToComplete);
}

internal static class Completion
{
    public static IEnumerable<Formation> Formations(IDictionary bound)
    {
        var all = Session.Formations;
        var given = bound.Contains("Formation") ? bound["Formation"] : null;
        var value = given is PSObject pso ? pso.BaseObject : given;
        return value switch
        {
            Formation f => [f],
            string name => all.Where(f => f.Name.Equals(name, StringComparison.OrdinalIgnoreCase)),
            _ => all,
        };
    }

    public static IEnumerable<CompletionResult> Of(IEnumerable<string> candidates, string word)
    {
        var pattern = new WildcardPattern((word ?? "").Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
        return candidates.Distinct().Where(pattern.IsMatch).Order(StringComparer.Ordinal)
            .Select(c => new CompletionResult(c, c, CompletionResultType.ParameterValue, c));
    }
}
