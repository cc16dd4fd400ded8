using System.Text.Json.Nodes;
using Formation.Engine.Export;

namespace Formation.Engine.Tests.Export;

/// <summary>
/// Issue 19.9: every string the export writes reads back exactly as written, in YAML 1.1 (PyYAML, what
/// docker-compose reads with) and YAML 1.2 readers, whatever it holds.
/// </summary>
public class ExportYamlTests
{
    /// <summary>Strings that a plain or folded scalar would change, or that a reader would take for something else.</summary>
    public static readonly string[] Hard =
    [
        "x\ty", "\tlead", "trail\t", "a\u0085b", "a\u2028b", "a\u2029b", "a\nb", "a\r\nb", "a\n\n b\n", "\n", "<<", "=", "  lead", "trail ",
        "\u0001ctl", "\u007f", "\u0080", "\u009f", "\uFEFFbom", "😀", "Ünïcode", "no", "On", "Y", "n", "~", "", ".", "..", "-.", "._5", "1.2.3", "-.5", ".5", "+.inf",
        ".NaN", "5000:5000", "1:20", "1e3", "0x1F", "0o17", "0b101", "2001-12-14", "#hash", "a #b", "a: b", "- x", "-", "? x", "?", ":", "&anchor",
        "*alias", "!tag", "%pct", "@at", "`tick", "'single", "\"double", "\\back", "{x}", "[x]", "a,b", "|", ">", "---", "...", "null", "NULL",
        "/health?full=1&fast=1", "a & b", "$$PORT", "%n %%", new string('a', 78) + "\t b c " + new string('d', 100) + " \t e",
    ];

    [SkippableFact]
    public void Serialize_HardStrings_ReadBackUnchangedInYaml11And12()
    {
        var data = Hard.Select((v, i) => (Key: $"K{i}", Value: v)).ToDictionary(x => x.Key, x => x.Value);
        foreach (var key in new[] { "<<", "=", "y", "N", "on", "~", "1" }) data[key] = key;
        var configMap = ExportYaml.Serialize(new ConfigMap { Metadata = new ObjectMeta { Name = "x", Labels = new Dictionary<string, string>() }, Data = data },
            KubernetesJsonContext.Default.ConfigMap);
        var compose = ExportYaml.Serialize(new ComposeModel
        {
            Services = new() { ["web"] = new ComposeService { Command = ["/bin/sh", "-c", .. Hard], Environment = data } },
        }, ExportJsonContext.Default.ComposeModel);

        var dir = Directory.CreateTempSubdirectory("formation-yaml-").FullName;
        try
        {
            var files = new[] { Path.Combine(dir, "configmap.yaml"), Path.Combine(dir, "compose.yaml") };
            File.WriteAllText(files[0], configMap);
            File.WriteAllText(files[1], compose);

            foreach (var (reader, documents) in Validators.ReadYaml(files))
            {
                var map = documents[0].AsArray().Single()!["data"]!.AsObject();
                foreach (var (key, value) in data)
                    Assert.True(map[key]?.GetValueKind() == System.Text.Json.JsonValueKind.String && map[key]!.GetValue<string>() == value,
                        $"{reader}: ConfigMap data {Show(key)}: wrote {Show(value)}, read {map[key]?.ToJsonString() ?? "nothing"}");
                Assert.Equal(data.Count, map.Count);
                var command = documents[1].AsArray().Single()!["services"]!["web"]!["command"]!.AsArray().Select(n => n!.GetValue<string>()).Skip(2).ToArray();
                for (var i = 0; i < Hard.Length; i++)
                    Assert.True(command[i] == Hard[i], $"{reader}: command {Show(Hard[i])} read back as {Show(command[i])}");
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Serialize_PlainWherePlainIsSafe()
    {
        var text = ExportYaml.Serialize(new ComposeModel
        {
            Services = new() { ["web"] = new ComposeService { Command = ["/bin/sh", "-c", "sh ./bin/web -p $$PORT", "a\tb", "<<"] } },
        }, ExportJsonContext.Default.ComposeModel);
        Assert.Contains("\n    - sh ./bin/web -p $$PORT\n", text);
        Assert.Contains("\n    - \"a\tb\"\n", text);
        Assert.Contains("\n    - \"<<\"\n", text);
    }

    private static string Show(string s) => JsonValue.Create(s).ToJsonString(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Default });
}
