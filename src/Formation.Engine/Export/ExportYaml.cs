using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using k8s.Models;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Formation.Engine.Export;

/// <summary>
/// The typed models (KubernetesClient's, <see cref="ComposeModel"/>) as YAML, without reflection so that the
/// native-AOT <c>formation</c> can export: System.Text.Json's source generator writes the model as JSON (JSON is
/// YAML), YamlDotNet loads it and emits it in block style, quoting only the strings that would read as
/// something else (YAML 1.1 included: <c>no</c>, <c>on</c>, <c>5000:5000</c>).
/// </summary>
internal static partial class ExportYaml
{
    public static string Serialize<T>(T value, JsonTypeInfo<T> type)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(JsonSerializer.Serialize(value, type)));
        Restyle(stream.Documents[0].RootNode);
        var writer = new StringWriter { NewLine = "\n" };
        stream.Save(writer, assignAnchors: false);
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
                // A JSON string: plain unless it would read as a number, boolean, null or time.
                if (!LooksTyped().IsMatch(scalar.Value ?? "")) scalar.Style = ScalarStyle.Any;
                break;
            case YamlScalarNode scalar:
                scalar.Style = ScalarStyle.Plain;
                break;
        }
    }

    [GeneratedRegex(@"^$|^[-+.]?[0-9]|^[-+]?\.(inf|nan)$|^(y|n|yes|no|true|false|on|off|null|~)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex LooksTyped();
}

/// <summary>The models the export serializes, for System.Text.Json's source generator.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(V1Deployment))]
[JsonSerializable(typeof(V1Service))]
[JsonSerializable(typeof(V1Job))]
[JsonSerializable(typeof(V1ConfigMap))]
[JsonSerializable(typeof(V1Secret))]
[JsonSerializable(typeof(ComposeModel))]
internal sealed partial class ExportJsonContext : JsonSerializerContext;
