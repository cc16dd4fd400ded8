using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Formation.Engine.Export;

/// <summary>
/// The typed models (KubernetesModel.cs, <see cref="ComposeModel"/>) as YAML, without reflection so that the
/// native-AOT <c>formation</c> can export: System.Text.Json's source generator writes the model as JSON (JSON is
/// YAML), YamlDotNet loads it and emits it in block style. A string is written plain only when every YAML 1.1
/// and 1.2 reader reads it back unchanged as a string: one that would read as something else (<c>no</c>,
/// <c>on</c>, <c>5000:5000</c>, <c>.</c>, 1.1's merge key <c>&lt;&lt;</c> and value key <c>=</c>) or that holds a
/// character a plain scalar cannot carry (a TAB, which PyYAML refuses there; a line break, including NEL, LS and
/// PS, which YAML 1.1 reads as one; a control character) is double-quoted, with escapes (<c>\N</c> for NEL). Lines
/// are never folded, so no whitespace is lost at a fold.
/// </summary>
internal static partial class ExportYaml
{
    public static string Serialize<T>(T value, JsonTypeInfo<T> type)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(JsonSerializer.Serialize(value, type)));
        Restyle(stream.Documents[0].RootNode);
        var writer = new StringWriter { NewLine = "\n" };
        stream.Save(new Emitter(writer, new EmitterSettings(2, int.MaxValue, false, 1024, newLine: "\n")), assignAnchors: false);
        var text = writer.ToString();
        return text.EndsWith("...\n", StringComparison.Ordinal) ? text[..^4] : text;
    }

    private static void Restyle(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode map:
                map.Style = MappingStyle.Block;
                foreach (var (key, value) in map.Children)
                {
                    Restyle(key);
                    Restyle(value);
                }
                break;
            case YamlSequenceNode seq:
                seq.Style = SequenceStyle.Block;
                foreach (var item in seq.Children) Restyle(item);
                break;
            case YamlScalarNode scalar when scalar.Style == ScalarStyle.DoubleQuoted:
                // A JSON string: plain (or whatever YamlDotNet picks) unless a reader could take it for something else.
                if (!NeedsQuotes(scalar.Value ?? "")) scalar.Style = ScalarStyle.Any;
                break;
            case YamlScalarNode scalar:
                scalar.Style = ScalarStyle.Plain;
                break;
        }
    }

    /// <summary>Whether a string must be double-quoted to read back unchanged in every YAML 1.1 and 1.2 reader.</summary>
    internal static bool NeedsQuotes(string value) => LooksTyped().IsMatch(value) || value.Any(c => !Plain(c));

    /// <summary>
    /// A character a plain (or block) scalar carries unchanged everywhere: printable ASCII and printable Unicode
    /// beyond it, without TAB, line breaks (NEL, LS and PS are breaks in YAML 1.1), C1 controls or the BOM.
    /// </summary>
    private static bool Plain(char c) =>
        c is >= ' ' and <= '~' || (c >= '\u00A0' && c != '\u2028' && c != '\u2029' && c != '\uFEFF' && c < '\uFFFE');

    // Numbers, booleans, null and times in YAML 1.1 or 1.2 (".", ".5", "-.5", "._" are floats to one or the other:
    // YAML 1.1's float needs no digit), and YAML 1.1's merge ("<<") and value ("=") keys, which PyYAML cannot construct.
    [GeneratedRegex(@"^$|^[-+.]?[0-9]|^[-+]?\.[0-9._]*([eE][-+]?[0-9]+)?$|^[-+]?\.(inf|nan)$|^(y|n|yes|no|true|false|on|off|null|~|<<|=)$",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex LooksTyped();
}

/// <summary>The Compose model for System.Text.Json's source generator (the Kubernetes objects have <see cref="KubernetesJsonContext"/>).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ComposeModel))]
internal sealed partial class ExportJsonContext : JsonSerializerContext;
