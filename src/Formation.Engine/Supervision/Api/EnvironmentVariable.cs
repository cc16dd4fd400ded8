using Formation.Engine.Configuration;

namespace Formation.Engine.Supervision;

/// <summary>One variable of a process's environment and where it came from.</summary>
/// <param name="Name">The variable's name.</param>
/// <param name="Value">The value; masked when the name looks secret and secrets are not shown.</param>
/// <param name="Source"><c>inherited</c>, <c>file:line</c> (.env or formation.yml), <c>parameter</c> or <c>computed</c>.</param>
/// <param name="Process">The process (<c>web.1</c>), or null for the environment every process shares.</param>
public sealed record EnvironmentVariable(string Name, string Value, string Source, string? Process)
{
    /// <summary>The variable with its value masked when its name looks secret (<see cref="Secrets"/>).</summary>
    public EnvironmentVariable Masked() => Secrets.IsSecretName(Name) && Value.Length > 0 ? this with { Value = Secrets.Mask } : this;
}
