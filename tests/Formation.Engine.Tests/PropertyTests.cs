using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Formation.Engine.Configuration;
using Formation.Engine.Output;

namespace Formation.Engine.Tests;

/// <summary>Arbitrary input gives a result or our parse error with a line number, never another exception.</summary>
public class PropertyTests
{
    private static readonly Config Many = Config.QuickThrowOnFailure.WithMaxTest(1000);

    /// <summary>Strings biased toward the characters the parsers care about.</summary>
    private static Arbitrary<string> Texts() =>
        Gen.Elements("web", "A", "=", ":", " ", "\t", "\n", "\r\n", "#", "'", "\"", "\\", "$", "{", "}", "${", "export ", "é", "\0", "\uFEFF", "-", "1")
            .ListOf()
            .Select(parts => string.Concat(parts))
            .ToArbitrary();

    private static bool OnlyOurError(Action parse)
    {
        try
        {
            parse();
            return true;
        }
        catch (FormationConfigException ex)
        {
            return ex.Errors.Count > 0 && ex.Errors.All(e => e.Message.Length > 0);
        }
    }

    [Fact]
    public void Procfile_Parse_NeverThrowsAnythingElse() =>
        Prop.ForAll(Texts(), s => OnlyOurError(() => Procfile.Parse(s, "Procfile"))).Check(Many);

    [Fact]
    public void Procfile_Parse_ArbitraryUnicode_NeverThrowsAnythingElse() =>
        Prop.ForAll<string>(s => OnlyOurError(() => Procfile.Parse(s ?? "", "Procfile"))).Check(Many);

    [Fact]
    public void Procfile_Errors_PointAtExistingLines() =>
        Prop.ForAll(Texts(), s =>
        {
            try
            {
                Procfile.Parse(s, "Procfile");
                return true;
            }
            catch (FormationConfigException ex)
            {
                var lines = s.Split('\n').Length;
                return ex.Errors.All(e => e.Line >= 0 && e.Line <= lines);
            }
        }).Check(Many);

    [Fact]
    public void DotEnv_Parse_NeverThrowsAnythingElse() =>
        Prop.ForAll(Texts(), s => OnlyOurError(() => DotEnv.Parse(s, ".env", _ => null))).Check(Many);

    [Fact]
    public void DotEnv_Parse_ArbitraryUnicode_NeverThrowsAnythingElse() =>
        Prop.ForAll<string>(s => OnlyOurError(() => DotEnv.Parse(s ?? "", ".env", _ => "x"))).Check(Many);

    [Fact]
    public void DotEnv_Errors_HaveALineNumber() =>
        Prop.ForAll(Texts(), s =>
        {
            try
            {
                DotEnv.Parse(s, ".env", _ => null);
                return true;
            }
            catch (FormationConfigException ex)
            {
                return ex.Errors.All(e => e.Line >= 1 && e.File == ".env");
            }
        }).Check(Many);

    [Fact]
    public void DotEnv_SimplePairs_RoundTrip() =>
        Prop.ForAll(
            Gen.Elements("A", "B_1", "key", "x.y").Zip(Gen.Elements("", "v", "a b", "1=2", "p@ss:word/ok")).ListOf().ToArbitrary(),
            pairs =>
            {
                var text = string.Concat(pairs.Select(p => $"{p.Item1}={p.Item2}\n"));
                var parsed = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var e in DotEnv.Parse(text, ".env", _ => null)) parsed[e.Key] = e.Value;
                var expected = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (k, v) in pairs) expected[k] = v;
                return expected.Count == parsed.Count && expected.All(kv => parsed[kv.Key] == kv.Value);
            }).Check(Many);

    /// <summary>Strings biased toward YAML structure and formation.yml's keys.</summary>
    private static Arbitrary<string> YamlTexts() =>
        Gen.Elements("processes:", "web:", "worker:", " ", "  ", "\n", "{", "}", "[", "]", ":", ",", "-", "count: 2", "ready: { http: /h }",
                "after: [web]", "task: true", "port: none", "env: { A: 1 }", "'", "\"", "&a", "*a", "!tag", "#", "5s", "nmae: x", "\t")
            .ListOf()
            .Select(parts => string.Concat(parts))
            .ToArbitrary();

    [Fact]
    public void FormationConfig_Parse_NeverThrowsAnythingElse()
    {
        var procfile = Procfile.Parse("web: a\nworker: b\n", "Procfile");
        Prop.ForAll(YamlTexts(), s => OnlyOurError(() => FormationConfig.Parse(s, "formation.yml", procfile))).Check(Many);
    }

    [Fact]
    public void FormationConfig_Errors_HaveALine()
    {
        var procfile = Procfile.Parse("web: a\nworker: b\n", "Procfile");
        Prop.ForAll(YamlTexts(), s =>
        {
            try
            {
                FormationConfig.Parse(s, "formation.yml", procfile);
                return true;
            }
            catch (FormationConfigException ex)
            {
                return ex.Errors.All(e => e.Line >= 1 && e.File == "formation.yml");
            }
        }).Check(Many);
    }

    [Fact]
    public void ScaleSpec_Parse_NeverThrowsAnythingElse() =>
        Prop.ForAll(Texts(), s => OnlyOurError(() => ScaleSpec.Parse(s))).Check(Many);

    [Fact]
    public void LineSplitter_AnyChunking_LosesNothing() =>
        Prop.ForAll(
            Gen.Elements("a", "bc", "\n", "é", "€", "😀", "xyz\n").ListOf().Select(p => string.Concat(p)).ToArbitrary(),
            Gen.Choose(1, 7).ToArbitrary(),
            (text, chunk) =>
            {
                var bytes = Encoding.UTF8.GetBytes(text);
                var splitter = new LineSplitter(maxLineBytes: 8);
                var lines = new List<string>();
                for (var i = 0; i < bytes.Length; i += chunk) splitter.Push(bytes.AsSpan(i, Math.Min(chunk, bytes.Length - i)), lines);
                splitter.Flush(lines);
                // Pieces of over-long lines are delivered as separate lines: rejoin by removing every newline.
                return string.Concat(lines) == text.Replace("\n", "") && lines.All(l => !l.Contains('\uFFFD'));
            }).Check(Many);

    [Fact]
    public void LineSplitter_ArbitraryBytes_NeverThrow() =>
        Prop.ForAll<byte[]>(bytes =>
        {
            var splitter = new LineSplitter(maxLineBytes: 8);
            var lines = new List<string>();
            splitter.Push(bytes ?? [], lines);
            splitter.Flush(lines);
            return true;
        }).Check(Many);
}
