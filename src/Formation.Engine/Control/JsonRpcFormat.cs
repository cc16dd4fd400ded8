using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.Unicode;

namespace Formation.Engine.Control;

/// <summary>A JSON-RPC request (or notification, when <paramref name="Id"/> is null) the endpoint received.</summary>
/// <param name="Id">The request's id as raw JSON (<c>7</c>, <c>"a"</c>, <c>null</c>); null for a notification.</param>
/// <param name="Method">The method's name.</param>
/// <param name="Params">The named parameters (an object), or an undefined element when none were sent.</param>
internal sealed record RpcRequest(string? Id, string Method, JsonElement Params);

/// <summary>Why a line is not a request the endpoint can serve: the error reply's code and message, and the id when one was readable.</summary>
internal sealed record RpcRejection(int Code, string Message, string? Id);

/// <summary>
/// JSON-RPC 2.0 messages as single lines: reading a request a client sent (every way it can be malformed has
/// its own error), and writing requests, results, errors and notifications. Strings are written with their
/// control characters escaped, so a message never contains a raw newline.
/// </summary>
internal static class JsonRpcFormat
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonDocumentOptions ReaderOptions = new() { MaxDepth = 32 };

    /// <summary>Reads one line (without its newline) as a request, or says why it is not one.</summary>
    public static (RpcRequest? Request, RpcRejection? Rejection) ReadRequest(ReadOnlyMemory<byte> line)
    {
        if (!Utf8.IsValid(line.Span)) return Reject(ControlProtocol.ParseError, "Parse error: the request is not valid UTF-8.");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line, ReaderOptions);
        }
        catch (JsonException ex)
        {
            return Reject(ControlProtocol.ParseError, $"Parse error: {ex.Message}");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Array)
                return Reject(ControlProtocol.InvalidRequest, "Invalid request: batches are not served; send one request object per line.");
            if (root.ValueKind != JsonValueKind.Object)
                return Reject(ControlProtocol.InvalidRequest, "Invalid request: expected a JSON-RPC request object.");
            string? id = null;
            if (root.TryGetProperty("id", out var idElement))
            {
                if (idElement.ValueKind is not (JsonValueKind.String or JsonValueKind.Number or JsonValueKind.Null))
                    return Reject(ControlProtocol.InvalidRequest, "Invalid request: \"id\" must be a string, a number or null.");
                id = idElement.GetRawText();
            }
            if (!root.TryGetProperty("jsonrpc", out var version) || version.ValueKind != JsonValueKind.String || !version.ValueEquals("2.0")
                || !root.TryGetProperty("method", out var method) || method.ValueKind != JsonValueKind.String)
                return Reject(ControlProtocol.InvalidRequest, "Invalid request: a JSON-RPC 2.0 request needs \"jsonrpc\": \"2.0\" and a \"method\" string.", id);
            var parameters = default(JsonElement);
            if (root.TryGetProperty("params", out var p))
            {
                switch (p.ValueKind)
                {
                    case JsonValueKind.Object:
                        parameters = p.Clone();
                        break;
                    case JsonValueKind.Array when p.GetArrayLength() == 1 && p[0].ValueKind == JsonValueKind.Object:
                        parameters = p[0].Clone();
                        break;
                    case JsonValueKind.Array when p.GetArrayLength() == 0:
                    case JsonValueKind.Null:
                        break;
                    case JsonValueKind.Array:
                        return Reject(ControlProtocol.InvalidParams, "Invalid params: pass one object of named parameters (\"params\": {\"Name\": \"web.1\"}).", id);
                    default:
                        return Reject(ControlProtocol.InvalidRequest, "Invalid request: \"params\" must be an object or an array.", id);
                }
            }
            // GetString throws for a string JSON can hold but .NET cannot (an escaped lone surrogate, "\ud800").
            string name;
            try
            {
                name = method.GetString()!;
            }
            catch (InvalidOperationException)
            {
                return Reject(ControlProtocol.InvalidRequest, "Invalid request: \"method\" is not valid text (a lone surrogate).", id);
            }
            return (new RpcRequest(id, name, parameters), null);
        }
    }

    /// <summary>The typed parameters of a request; an absent object reads as <paramref name="empty"/>.</summary>
    /// <exception cref="ControlRequestException">They do not fit the method's parameters.</exception>
    public static T ReadParams<T>(RpcRequest request, T empty) where T : class
    {
        if (request.Params.ValueKind == JsonValueKind.Undefined) return empty;
        try
        {
            return request.Params.Deserialize(ControlProtocol.TypeInfo<T>()) ?? empty;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or NotSupportedException)
        {
            throw new ControlRequestException(ControlProtocol.InvalidParams, $"Invalid params for {request.Method}: {ex.Message}");
        }
    }

    public static byte[] Request<T>(long id, string method, T parameters, JsonTypeInfo<T> info) => Line(w =>
    {
        w.WriteNumber("id", id);
        w.WriteString("method", method);
        w.WritePropertyName("params");
        JsonSerializer.Serialize(w, parameters, info);
    });

    /// <summary>A client's notification with raw JSON parameters (<c>$/cancelRequest</c>).</summary>
    public static byte[] Notification(string method, string rawParams) => Line(w =>
    {
        w.WriteString("method", method);
        w.WritePropertyName("params");
        w.WriteRawValue(rawParams);
    });

    public static byte[] Result<T>(string id, T value, JsonTypeInfo<T> info) => Line(w =>
    {
        w.WritePropertyName("id");
        w.WriteRawValue(id);
        w.WritePropertyName("result");
        JsonSerializer.Serialize(w, value, info);
    });

    public static byte[] Error(string? id, int code, string message) => Line(w =>
    {
        w.WritePropertyName("id");
        w.WriteRawValue(id ?? "null");
        w.WriteStartObject("error");
        w.WriteNumber("code", code);
        w.WriteString("message", message);
        w.WriteEndObject();
    });

    /// <summary>
    /// An error about no request in particular, written without System.Text.Json (see the endpoint's reply when
    /// descriptors run out); the message must need no escaping.
    /// </summary>
    public static byte[] ErrorWithoutWriter(int code, string message) =>
        message.Any(c => c is '"' or '\\' || char.IsControl(c) || c > '~')
            ? throw new ArgumentException("The message must be plain ASCII without quotes or backslashes.", nameof(message))
            : System.Text.Encoding.ASCII.GetBytes($"{{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{{\"code\":{code.ToString(System.Globalization.CultureInfo.InvariantCulture)},\"message\":\"{message}\"}}}}\n");

    /// <summary>An endpoint's notification about a request: <c>{"Request": id}</c>, plus one named value when given.</summary>
    public static byte[] Notification<T>(string method, string requestId, string? property, T value, JsonTypeInfo<T>? info) => Line(w =>
    {
        w.WriteString("method", method);
        w.WriteStartObject("params");
        w.WritePropertyName("Request");
        w.WriteRawValue(requestId);
        if (property is not null && info is not null)
        {
            w.WritePropertyName(property);
            JsonSerializer.Serialize(w, value, info);
        }
        w.WriteEndObject();
    });

    private static (RpcRequest?, RpcRejection?) Reject(int code, string message, string? id = null) => (null, new RpcRejection(code, message, id));

    private static byte[] Line(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("jsonrpc", "2.0");
            body(writer);
            writer.WriteEndObject();
        }
        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }
}

/// <summary>A request the endpoint refuses before it reaches the formation: its JSON-RPC error code and message.</summary>
internal sealed class ControlRequestException(int code, string message) : Exception(message)
{
    public int Code { get; } = code;
}
