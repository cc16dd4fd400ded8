using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Formation.Engine.Tests.Control;

/// <summary>
/// The fuzz loop's control-protocol half: request lines mutated from valid ones by a seeded generator (tokens
/// inserted, spans deleted, bytes replaced, including bytes that are not UTF-8), and the two judgments the
/// test needs about a line: whether it asks for something that would end or change the formation, and whether
/// it is a well-formed notification (which JSON-RPC answers with nothing).
/// </summary>
internal sealed class ControlRequestFuzz(int seed)
{
    private static readonly string[] Seeds =
    [
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"formation/hello\",\"params\":{}}",
        "{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"method\":\"formation/processes\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"formation/environment\",\"params\":{\"Process\":\"web.1\",\"ShowSecrets\":false}}",
        "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"formation/startProcess\",\"params\":{\"Name\":\"web.1\"}}",
        "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"formation/logs\",\"params\":{\"Processes\":[\"web\",\"system\"],\"Tail\":3,\"Follow\":false}}",
        "{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"formation/environment\",\"params\":[{\"Process\":null}]}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"$/cancelRequest\",\"params\":{\"id\":5}}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"formation/hello\"}",
    ];

    private static readonly string[] Tokens =
    [
        "\"", "{", "}", "[", "]", ":", ",", " ", "\t", "\r", "null", "true", "false", "-1", "0", "1e400", "2147483648", "-0.0",
        "\"id\"", "\"method\"", "\"params\"", "\"jsonrpc\"", "\"2.0\"", "\"1.0\"", "\\", "\\u0000", "\\ud800", "é", "\u2028",
        "\"Tail\":-5,", "\"Name\":\"\",", "\"Processes\":null,", "\"Processes\":[1],", "\"ShowSecrets\":\"yes\",", "\"Name\":\"nope.9\",",
        string.Concat(Enumerable.Repeat("{\"a\":", 40)), "formation/", "$/", "/",
    ];

    private static readonly HashSet<string> Changes =
        ["formation/stop", "formation/stopProcess", "formation/restartProcess", "formation/scale", "formation/wait"];

    private readonly Random _random = new(seed);

    /// <summary>A seed with up to five edits; never a newline (one case is one line).</summary>
    public byte[] Next()
    {
        var bytes = Encoding.UTF8.GetBytes(Seeds[_random.Next(Seeds.Length)]).ToList();
        for (var edits = _random.Next(0, 6); edits > 0; edits--)
        {
            var at = _random.Next(bytes.Count + 1);
            switch (_random.Next(5))
            {
                case 0:
                    bytes.InsertRange(at, Encoding.UTF8.GetBytes(Tokens[_random.Next(Tokens.Length)]));
                    break;
                case 1 when at < bytes.Count:
                    bytes.RemoveRange(at, Math.Min(_random.Next(1, 8), bytes.Count - at));
                    break;
                case 2 when at < bytes.Count:
                    bytes[at] = (byte)_random.Next(0, 0x100);
                    break;
                case 3:
                    bytes.Insert(at, (byte)_random.Next(0x80, 0x100)); // never valid UTF-8 alone
                    break;
                default:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
            }
        }
        return bytes.Select(b => b == (byte)'\n' ? (byte)' ' : b).ToArray();
    }

    /// <summary>Whether the line cannot end, change or follow the formation (whatever the endpoint makes of it).</summary>
    public static bool IsHarmless(byte[] line)
    {
        if (Parse(line) is not { ValueKind: JsonValueKind.Object } root) return true;
        if (!root.TryGetProperty("method", out var method) || method.ValueKind != JsonValueKind.String) return true;
        if (Changes.Any(method.ValueEquals)) return false; // (GetString throws on an escaped lone surrogate)
        return !Contains(root, "follow");
    }

    /// <summary>Whether the endpoint must stay silent: a blank line, or a well-formed request without an id.</summary>
    public static bool IsNotification(byte[] line)
    {
        if (line.AsSpan().Trim(" \t\r"u8).IsEmpty) return true;
        if (Parse(line) is not { ValueKind: JsonValueKind.Object } root || root.TryGetProperty("id", out _)) return false;
        if (!root.TryGetProperty("jsonrpc", out var version) || version.ValueKind != JsonValueKind.String || version.GetString() != "2.0") return false;
        if (!root.TryGetProperty("method", out var method) || method.ValueKind != JsonValueKind.String) return false;
        if (!root.TryGetProperty("params", out var p)) return true;
        return p.ValueKind switch
        {
            JsonValueKind.Object or JsonValueKind.Null => true,
            JsonValueKind.Array => p.GetArrayLength() == 0 || (p.GetArrayLength() == 1 && p[0].ValueKind == JsonValueKind.Object),
            _ => false,
        };
    }

    private static JsonElement? Parse(byte[] line)
    {
        if (!Utf8.IsValid(line)) return null;
        try
        {
            return JsonDocument.Parse(line, new JsonDocumentOptions { MaxDepth = 32 }).RootElement;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Whether any property anywhere is named <paramref name="name"/> (any case) with a value other than false or null.</summary>
    private static bool Contains(JsonElement element, string name) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().Any(p =>
            (p.Name.Equals(name, StringComparison.OrdinalIgnoreCase) && p.Value.ValueKind is not (JsonValueKind.False or JsonValueKind.Null)) || Contains(p.Value, name)),
        JsonValueKind.Array => element.EnumerateArray().Any(e => Contains(e, name)),
        _ => false,
    };
}
