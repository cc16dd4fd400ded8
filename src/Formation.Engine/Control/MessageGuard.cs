using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using StreamJsonRpc.Protocol;

namespace Formation.Engine.Control;

/// <summary>
/// Stands between the socket and StreamJsonRpc, which ends a connection on a message it cannot parse
/// without a word and reads a message of any size. The guard passes on only whole lines of at most
/// <see cref="ControlProtocol.MaxRequestBytes"/> that are JSON-RPC requests; on the first other one it
/// stops, and the endpoint answers it with a JSON-RPC error and closes that connection (the formation
/// and every other connection carry on). There is no way to resynchronise after a line that is too long.
/// </summary>
internal static class MessageGuard
{
    /// <summary>Why a connection's input was refused: the reply to send and the request id, when one was readable.</summary>
    public sealed record Rejection(int Code, string Message, JsonElement? Id);

    /// <summary>Copies valid requests from <paramref name="input"/> to <paramref name="output"/> until the end of input or a rejection.</summary>
    public static async Task<Rejection?> CopyAsync(Stream input, PipeWriter output, CancellationToken cancellationToken)
    {
        var reader = PipeReader.Create(input, new StreamPipeReaderOptions(bufferSize: 16 * 1024, leaveOpen: true));
        try
        {
            while (true)
            {
                var read = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var buffer = read.Buffer;
                while (buffer.PositionOf((byte)'\n') is { } end)
                {
                    var line = buffer.Slice(0, end);
                    buffer = buffer.Slice(buffer.GetPosition(1, end));
                    if (line.Length > ControlProtocol.MaxRequestBytes) return TooLarge();
                    if (Check(line) is { } rejection) return rejection;
                    foreach (var segment in line) output.Write(segment.Span);
                    output.Write("\n"u8);
                }
                if (buffer.Length > ControlProtocol.MaxRequestBytes) return TooLarge();
                reader.AdvanceTo(buffer.Start, buffer.End);
                var flush = await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (read.IsCompleted || flush.IsCompleted) return null;
            }
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The error reply for a rejection, one line.</summary>
    public static byte[] Reply(Rejection rejection)
    {
        var json = JsonSerializer.Serialize(new ErrorReply("2.0", rejection.Id, new ErrorBody(rejection.Code, rejection.Message)), ReplyContext.Default.ErrorReply);
        return Encoding.UTF8.GetBytes(json + "\n");
    }

    private static Rejection TooLarge() => new(
        (int)JsonRpcErrorCode.InvalidRequest,
        $"Request larger than {ControlProtocol.MaxRequestBytes} bytes; the connection is closed.", null);

    private static Rejection? Check(ReadOnlySequence<byte> line)
    {
        if (IsBlank(line)) return null;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line, new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException ex)
        {
            return new((int)JsonRpcErrorCode.ParseError, $"Parse error: {ex.Message} The connection is closed.", null);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return new((int)JsonRpcErrorCode.InvalidRequest, "Invalid request: expected a JSON-RPC request object. The connection is closed.", null);
            JsonElement? id = root.TryGetProperty("id", out var i) && i.ValueKind is JsonValueKind.String or JsonValueKind.Number ? i.Clone() : null;
            if (!root.TryGetProperty("jsonrpc", out var version) || version.ValueKind != JsonValueKind.String || version.GetString() != "2.0"
                || !root.TryGetProperty("method", out var method) || method.ValueKind != JsonValueKind.String)
                return new((int)JsonRpcErrorCode.InvalidRequest, "Invalid request: a JSON-RPC 2.0 request needs \"jsonrpc\": \"2.0\" and a \"method\". The connection is closed.", id);
            if (root.TryGetProperty("params", out var parameters) && parameters.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array))
                return new((int)JsonRpcErrorCode.InvalidRequest, "Invalid request: \"params\" must be an object or an array. The connection is closed.", id);
        }
        return null;
    }

    private static bool IsBlank(ReadOnlySequence<byte> line)
    {
        foreach (var segment in line)
            foreach (var b in segment.Span)
                if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r')) return false;
        return true;
    }

    internal sealed record ErrorReply(
        [property: JsonPropertyName("jsonrpc")] string Version,
        [property: JsonPropertyName("id")] JsonElement? Id,
        [property: JsonPropertyName("error")] ErrorBody Error);

    internal sealed record ErrorBody([property: JsonPropertyName("code")] int Code, [property: JsonPropertyName("message")] string Message);
}

[JsonSerializable(typeof(MessageGuard.ErrorReply))]
internal sealed partial class ReplyContext : JsonSerializerContext;
