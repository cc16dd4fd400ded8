using System.Text.RegularExpressions;

namespace Formation.Engine.Configuration;

/// <summary>How an instance shows it is ready.</summary>
public enum ReadyKind
{
    /// <summary>A TCP connection to 127.0.0.1:PORT succeeds.</summary>
    Tcp,

    /// <summary>GET http://127.0.0.1:PORT/path answers 2xx or 3xx.</summary>
    Http,

    /// <summary>An output line matches a regular expression.</summary>
    Output,
}

/// <summary>A readiness probe from formation.yml (<c>ready: { http: /health }</c>).</summary>
public sealed record ReadyProbe(ReadyKind Kind, string? Path = null, string? Pattern = null)
{
    private Regex? _regex;

    internal Regex Regex => _regex ??= new Regex(Pattern!, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    public override string ToString() => Kind switch
    {
        ReadyKind.Tcp => "tcp",
        ReadyKind.Http => $"http {Path}",
        _ => $"output /{Pattern}/",
    };
}

/// <summary>The settings of one process type in formation.yml; null means not set there.</summary>
public sealed class ProcessConfig
{
    public required string Type { get; init; }
    public int Line { get; init; }

    /// <summary>1-based column of the type's key in formation.yml.</summary>
    public int Column { get; init; }

    public int? Count { get; init; }
    public RestartPolicy? Restart { get; init; }
    public int? MaxRestarts { get; init; }
    public TimeSpan? RestartWindow { get; init; }
    public string? StopSignal { get; init; }
    public TimeSpan? StopTimeout { get; init; }
    public IReadOnlyList<EnvEntry> Env { get; init; } = [];

    /// <summary>A fixed base port for the type.</summary>
    public int? Port { get; init; }

    /// <summary><c>port: none</c>: the type gets no PORT.</summary>
    public bool NoPort { get; init; }

    public ReadyProbe? Ready { get; init; }
    public TimeSpan? ReadyTimeout { get; init; }
    public IReadOnlyList<string> After { get; init; } = [];

    /// <summary>A one-shot task: it must exit 0 before the types that name it in <c>after</c> start.</summary>
    public bool Task { get; init; }

    public string? WorkingDir { get; init; }
}
