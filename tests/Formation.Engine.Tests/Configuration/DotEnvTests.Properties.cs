using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Formation.Engine.Configuration;
using Formation.Engine.Output;
using Formation.Engine.Tests.Support;

namespace Formation.Engine.Tests.Configuration;

/// <summary>Properties on arbitrary input: a result, or our error with a line number, never another exception.</summary>
public partial class DotEnvTests
{
    [Fact]
    public void DotEnv_Parse_NeverThrowsAnythingElse() =>
        Prop.ForAll(ArbitraryInput.Texts(), s => ArbitraryInput.OnlyOurError(() => DotEnv.Parse(s, ".env", _ => null))).Check(ArbitraryInput.Many);
    [Fact]
    public void DotEnv_Parse_ArbitraryUnicode_NeverThrowsAnythingElse() =>
        Prop.ForAll<string>(s => ArbitraryInput.OnlyOurError(() => DotEnv.Parse(s ?? "", ".env", _ => "x"))).Check(ArbitraryInput.Many);
    [Fact]
    public void DotEnv_Errors_HaveALineNumber() =>
        Prop.ForAll(ArbitraryInput.Texts(), s =>
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
        }).Check(ArbitraryInput.Many);
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
            }).Check(ArbitraryInput.Many);
}
