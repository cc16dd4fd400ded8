using System.Text.Json.Serialization;
using Formation.Engine.Supervision;

namespace Formation.Engine.Control;

/// <summary>A running formation as its endpoint describes it (the reply to <see cref="ControlProtocol.Hello"/>).</summary>
/// <param name="Name">The formation's name.</param>
/// <param name="Procfile">Full path of its Procfile.</param>
/// <param name="WorkingDirectory">Where its processes run.</param>
/// <param name="OwnerProcessId">The pid of the host that runs it (a <c>formation start</c> or a pwsh).</param>
/// <param name="StartTime">When it started.</param>
/// <param name="State">Running, Stopping, Stopped or Completed.</param>
/// <param name="ProcessCount">How many instances it has.</param>
/// <param name="Scale">The count of every type.</param>
/// <param name="Protocol">The control protocol version the endpoint speaks.</param>
/// <param name="BasePort">The formation's base port (its plan's, as a local formation shows it; not the first instance's PORT).</param>
public sealed record FormationInfo(
    string Name, string Procfile, string WorkingDirectory, int OwnerProcessId, DateTimeOffset? StartTime,
    FormationState State, int ProcessCount, IReadOnlyDictionary<string, int> Scale, int Protocol, int? BasePort = null);

/// <summary>A request without arguments.</summary>
public sealed record EmptyRequest;

/// <summary>One process instance (<c>web.1</c>); the timeout (0 to 86,400 seconds) overrides its stop timeout.</summary>
public sealed record ProcessRequest(string Name, double? TimeoutSeconds = null);

/// <summary>The environment of one process, or the shared one for null; secrets masked unless asked.</summary>
public sealed record EnvironmentRequest(string? Process = null, bool ShowSecrets = false);

/// <summary>Set the count of one type. Both are required: a request without Count is refused, never read as 0.</summary>
public sealed record ScaleRequest([property: JsonRequired] string Type, [property: JsonRequired] int Count);

/// <summary>Stop the whole formation; the timeout (0 to 86,400 seconds) overrides every type's stop timeout.</summary>
public sealed record StopRequest(double? TimeoutSeconds = null);

/// <summary>Reload the formation from its files; with <paramref name="DryRun"/>, only say what would change.</summary>
public sealed record ReloadRequest(bool DryRun = false);

/// <summary>
/// The last <paramref name="Tail"/> lines of each named process (instances like <c>web.1</c>, types like
/// <c>web</c>, or <c>system</c>; all when empty), then, with <paramref name="Follow"/>, every new line until
/// the formation ends.
/// </summary>
public sealed record LogRequest(IReadOnlyList<string>? Processes = null, int? Tail = null, bool Follow = false);

/// <summary>The reply that ends a <see cref="ControlProtocol.Logs"/> request, after its lines.</summary>
/// <param name="Outcome">How the formation ended, when the lines stopped because it did (a follow); else null.</param>
public sealed record LogEnd(FormationOutcome? Outcome);
