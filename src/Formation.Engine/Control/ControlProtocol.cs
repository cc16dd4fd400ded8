using System.Diagnostics.CodeAnalysis;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Formation.Engine.Output;
using Formation.Engine.Supervision;
using StreamJsonRpc;

namespace Formation.Engine.Control;

/// <summary>
/// The control protocol: JSON-RPC 2.0 (StreamJsonRpc), one JSON message per line over the endpoint.
/// Every method takes one typed request object; <see cref="Version"/> changes when a method changes
/// incompatibly, and a client refuses an endpoint whose <see cref="FormationInfo.Protocol"/> differs.
/// </summary>
public static class ControlProtocol
{
    /// <summary>The protocol version this engine speaks.</summary>
    public const int Version = 1;

    /// <summary>The largest request the endpoint reads; a longer one gets an error reply and the connection ends.</summary>
    public const int MaxRequestBytes = 64 * 1024;

    public const string Hello = "formation/hello";
    public const string Processes = "formation/processes";
    public const string Environment = "formation/environment";
    public const string StartProcess = "formation/startProcess";
    public const string StopProcess = "formation/stopProcess";
    public const string RestartProcess = "formation/restartProcess";
    public const string Scale = "formation/scale";
    public const string Stop = "formation/stop";
    public const string Logs = "formation/logs";

    /// <summary>Re-reads the formation's files and applies the difference (or, with <c>DryRun</c>, only plans it); answers with the plan.</summary>
    public const string Reload = "formation/reload";

    /// <summary>Error codes in replies (besides JSON-RPC's own -32700 parse error and -32600 invalid request).</summary>
    public const int FormationErrorCode = -32010;
    public const int ConfigErrorCode = -32011;

    /// <summary>
    /// The JSON shape of every object on the wire and of <c>--json</c> output: the .NET property names
    /// (Name, Type, Index, ProcessId, State, …) and enum values as names.
    /// </summary>
    /// <remarks>Source-generated for the arrays the CLI writes, so <c>--json</c> works in a Native AOT build too.</remarks>
    public static JsonSerializerOptions Json { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.General)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = ControlJsonContext.Default,
    });

    /// <summary>Serializes a list the way <c>--json</c> writes it: one JSON array.</summary>
    public static string ToJson(FormationProcess[] processes) => JsonSerializer.Serialize(processes, (JsonTypeInfo<FormationProcess[]>)Json.GetTypeInfo(typeof(FormationProcess[])));

    /// <inheritdoc cref="ToJson(FormationProcess[])"/>
    public static string ToJson(FormationInfo[] formations) => JsonSerializer.Serialize(formations, (JsonTypeInfo<FormationInfo[]>)Json.GetTypeInfo(typeof(FormationInfo[])));

    internal static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = null;
        options.DictionaryKeyPolicy = null;
        options.Converters.Add(new JsonStringEnumConverter<ProcessState>());
        options.Converters.Add(new JsonStringEnumConverter<FormationState>());
        options.Converters.Add(new JsonStringEnumConverter<FormationEnd>());
        options.Converters.Add(new JsonStringEnumConverter<OutcomeCause>());
        options.Converters.Add(new JsonStringEnumConverter<LogStream>());
        options.Converters.Add(new JsonStringEnumConverter<ReloadAction>());
        return options;
    }

    // StreamJsonRpc's formatters and target binding use reflection (IL2026/IL3050): the control endpoint works in
    // the JIT-compiled hosts (the module, `dotnet formation`); a Native AOT build is not promised to reach it.
#pragma warning disable IL2026, IL3050
    internal static SystemTextJsonFormatter CreateFormatter()
    {
        var formatter = new SystemTextJsonFormatter();
        Configure(formatter.JsonSerializerOptions);
        // Source-generated metadata for every type of ours on the wire; reflection for StreamJsonRpc's own.
        formatter.JsonSerializerOptions.TypeInfoResolver = JsonTypeInfoResolver.Combine(ControlJsonContext.Default, new DefaultJsonTypeInfoResolver());
        return formatter;
    }

    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicMethods, typeof(ControlService))]
    internal static void Serve(JsonRpc rpc, object target) => rpc.AddLocalRpcTarget(target, new JsonRpcTargetOptions { DisposeOnDisconnect = false });
#pragma warning restore IL2026, IL3050
}

[JsonSerializable(typeof(FormationProcess[]))]
[JsonSerializable(typeof(FormationInfo[]))]
[JsonSerializable(typeof(FormationInfo))]
[JsonSerializable(typeof(FormationProcess))]
[JsonSerializable(typeof(EnvironmentVariable[]))]
[JsonSerializable(typeof(ScaleResult))]
[JsonSerializable(typeof(FormationOutcome))]
[JsonSerializable(typeof(LogLine[]))]
[JsonSerializable(typeof(EmptyRequest))]
[JsonSerializable(typeof(ProcessRequest))]
[JsonSerializable(typeof(EnvironmentRequest))]
[JsonSerializable(typeof(ScaleRequest))]
[JsonSerializable(typeof(StopRequest))]
[JsonSerializable(typeof(LogRequest))]
[JsonSerializable(typeof(ReloadRequest))]
[JsonSerializable(typeof(ReloadPlan))]
internal sealed partial class ControlJsonContext : JsonSerializerContext;

/// <summary>A running formation as its endpoint describes it.</summary>
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

/// <summary>One process instance (<c>web.1</c>); the timeout overrides its stop timeout.</summary>
public sealed record ProcessRequest(string Name, double? TimeoutSeconds = null);

/// <summary>The environment of one process, or the shared one for null; secrets masked unless asked.</summary>
public sealed record EnvironmentRequest(string? Process = null, bool ShowSecrets = false);

/// <summary>Set the count of one type.</summary>
public sealed record ScaleRequest(string Type, int Count);

/// <summary>Stop the whole formation; the timeout overrides every type's stop timeout.</summary>
public sealed record StopRequest(double? TimeoutSeconds = null);

/// <summary>Reload the formation from its files; with <paramref name="DryRun"/>, only say what would change.</summary>
public sealed record ReloadRequest(bool DryRun = false);

/// <summary>
/// The last <paramref name="Tail"/> lines of each named process (instances like <c>web.1</c>, types like
/// <c>web</c>, or <c>system</c>; all when empty), then, with <paramref name="Follow"/>, every new line until
/// the formation ends.
/// </summary>
public sealed record LogRequest(IReadOnlyList<string>? Processes = null, int? Tail = null, bool Follow = false);
