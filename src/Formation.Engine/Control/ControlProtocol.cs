using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Formation.Engine.Output;
using Formation.Engine.Supervision;

namespace Formation.Engine.Control;

/// <summary>
/// The control protocol: JSON-RPC 2.0, one JSON message per line (<c>\n</c>) over the endpoint's socket, so
/// <c>socat - UNIX-CONNECT:NAME.sock</c> speaks it too. Every method takes one object of named parameters
/// (<c>"params": {"Name": "web.1"}</c>; names match regardless of case) and answers one object. Two methods
/// are long: <see cref="Logs"/> sends its lines as <see cref="LogNotification"/> notifications before its
/// reply, and <see cref="Wait"/> answers when the formation ends. While a change is under way the endpoint
/// sends <see cref="WorkingNotification"/> every second, so a client tells a slow stop from an owner that
/// does not answer. <see cref="Version"/> changes when a method changes incompatibly; a client refuses an
/// endpoint whose <see cref="FormationInfo.Protocol"/> differs.
/// </summary>
/// <remarks>
/// Hand-written on System.Text.Json's source generator rather than a JSON-RPC library: StreamJsonRpc (the only
/// general one on the feed) binds methods and serializes by reflection, so a Native AOT build warned, lost the
/// `logs` stream, and grew by 3.7 MB. The protocol is a dozen methods, so the framing is a few hundred lines.
/// </remarks>
public static class ControlProtocol
{
    /// <summary>The protocol version this engine speaks.</summary>
    public const int Version = 2;

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

    /// <summary>Answers with the formation's outcome once it has ended (at once when it already has).</summary>
    public const string Wait = "formation/wait";

    /// <summary>Endpoint to client: <c>{"Request": id, "Lines": [...]}</c>, lines for a <see cref="Logs"/> request.</summary>
    public const string LogNotification = "formation/log";

    /// <summary>Endpoint to client: <c>{"Request": id}</c>, the request is still being worked on (every second).</summary>
    public const string WorkingNotification = "formation/working";

    /// <summary>Client to endpoint: <c>{"id": id}</c>, give up a request (as LSP spells it).</summary>
    public const string CancelRequest = "$/cancelRequest";

    // JSON-RPC 2.0's own error codes.
    public const int ParseError = -32700;
    public const int InvalidRequest = -32600;
    public const int MethodNotFound = -32601;
    public const int InvalidParams = -32602;
    public const int InternalError = -32603;

    /// <summary>The formation refused the request (no such process, not running, …).</summary>
    public const int FormationErrorCode = -32010;

    /// <summary>The request carried invalid configuration (an unknown type, a count out of range).</summary>
    public const int ConfigErrorCode = -32011;

    /// <summary>The endpoint serves as many connections as it may and none of them is idle.</summary>
    public const int BusyErrorCode = -32012;

    /// <summary>The request was cancelled (its connection closed, or <see cref="CancelRequest"/>).</summary>
    public const int RequestCancelled = -32800;

    /// <summary>
    /// The JSON shape of every object on the wire and of <c>--json</c> output: the .NET property names
    /// (Name, Type, Index, ProcessId, State, …) and enum values as names. Source-generated, so it works the
    /// same in a Native AOT build.
    /// </summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.General)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = ControlJsonContext.Default,
        PropertyNamingPolicy = null,
        DictionaryKeyPolicy = null,
        PropertyNameCaseInsensitive = true,
        Converters =
        {
            new JsonStringEnumConverter<ProcessState>(),
            new JsonStringEnumConverter<FormationState>(),
            new JsonStringEnumConverter<FormationEnd>(),
            new JsonStringEnumConverter<OutcomeCause>(),
            new JsonStringEnumConverter<LogStream>(),
            new JsonStringEnumConverter<ReloadAction>(),
        },
    };

    /// <summary>Serializes a list the way <c>--json</c> writes it: one JSON array.</summary>
    public static string ToJson(FormationProcess[] processes) => JsonSerializer.Serialize(processes, TypeInfo<FormationProcess[]>());

    /// <inheritdoc cref="ToJson(FormationProcess[])"/>
    public static string ToJson(FormationInfo[] formations) => JsonSerializer.Serialize(formations, TypeInfo<FormationInfo[]>());

    /// <summary>The source-generated metadata of a wire type, with <see cref="Json"/>'s options.</summary>
    internal static JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)Json.GetTypeInfo(typeof(T));
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
[JsonSerializable(typeof(LogEnd))]
[JsonSerializable(typeof(ReloadRequest))]
[JsonSerializable(typeof(ReloadPlan))]
internal sealed partial class ControlJsonContext : JsonSerializerContext;
