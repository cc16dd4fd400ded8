namespace Formation.PowerShell;

/// <summary>A process type of a Procfile, as Test-Procfile reads it.</summary>
public sealed class FormationProcessType
{
    internal FormationProcessType() { }

    /// <summary>The type's name, <c>web</c>.</summary>
    public string Name { get; internal init; } = "";

    public string Command { get; internal init; } = "";

    /// <summary>The line of the Procfile it is on.</summary>
    public int Line { get; internal init; }

    /// <summary>The Procfile's full path.</summary>
    public string Procfile { get; internal init; } = "";

    /// <summary>How many instances a start would run (formation.yml's count, else 1).</summary>
    public int Count { get; internal init; }

    /// <summary>PORT of the first instance, or null for <c>port: none</c>.</summary>
    public int? Port { get; internal init; }

    /// <summary>
    /// Whether the start checks that its ports are free: the command uses $PORT, the type has a tcp/http
    /// readiness probe, or formation.yml sets its port. For other types a busy port is not an error.
    /// </summary>
    public bool PortChecked { get; internal init; }

    /// <summary>A one-shot task from formation.yml.</summary>
    public bool IsTask { get; internal init; }

    /// <summary>The types it starts after (formation.yml's <c>after:</c>).</summary>
    public string[] After { get; internal init; } = [];

    public override string ToString() => Name;
}
