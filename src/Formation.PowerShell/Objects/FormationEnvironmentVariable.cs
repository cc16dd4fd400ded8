namespace Formation.PowerShell;

/// <summary>One variable of a process's environment and where it came from.</summary>
public sealed class FormationEnvironmentVariable
{
    internal FormationEnvironmentVariable() { }

    public string Name { get; internal init; } = "";

    /// <summary>The value; <c>********</c> when the name looks secret and -ShowSecrets was not given.</summary>
    public string Value { get; internal init; } = "";

    /// <summary><c>inherited</c>, <c>file:line</c> (.env or formation.yml), <c>parameter</c> or <c>computed</c>.</summary>
    public string Source { get; internal init; } = "";

    /// <summary>The process (<c>web.1</c>), or null for the environment every process shares.</summary>
    public string? Process { get; internal init; }

    /// <summary>The formation's name.</summary>
    public string Formation { get; internal init; } = "";

    public override string ToString() => $"{Name}={Value}";
}
