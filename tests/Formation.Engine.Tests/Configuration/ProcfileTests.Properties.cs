using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Formation.Engine.Configuration;
using Formation.Engine.Output;
using Formation.Engine.Tests.Support;

namespace Formation.Engine.Tests.Configuration;

/// <summary>Properties on arbitrary input: a result, or our error with a line number, never another exception.</summary>
public partial class ProcfileTests
{
    [Fact]
    public void Procfile_Parse_NeverThrowsAnythingElse() =>
        Prop.ForAll(ArbitraryInput.Texts(), s => ArbitraryInput.OnlyOurError(() => Procfile.Parse(s, "Procfile"))).Check(ArbitraryInput.Many);
    [Fact]
    public void Procfile_Parse_ArbitraryUnicode_NeverThrowsAnythingElse() =>
        Prop.ForAll<string>(s => ArbitraryInput.OnlyOurError(() => Procfile.Parse(s ?? "", "Procfile"))).Check(ArbitraryInput.Many);
    [Fact]
    public void Procfile_Errors_PointAtExistingLines() =>
        Prop.ForAll(ArbitraryInput.Texts(), s =>
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
        }).Check(ArbitraryInput.Many);
}
