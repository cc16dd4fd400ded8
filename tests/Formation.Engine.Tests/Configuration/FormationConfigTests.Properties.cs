using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Formation.Engine.Configuration;
using Formation.Engine.Output;
using Formation.Engine.Tests.Support;

namespace Formation.Engine.Tests.Configuration;

/// <summary>Properties on arbitrary input: a result, or our error with a line number, never another exception.</summary>
public partial class FormationConfigTests
{
    [Fact]
    public void FormationConfig_Parse_NeverThrowsAnythingElse()
    {
        var procfile = Procfile.Parse("web: a\nworker: b\n", "Procfile");
        Prop.ForAll(ArbitraryInput.YamlTexts(), s => ArbitraryInput.OnlyOurError(() => FormationConfig.Parse(s, "formation.yml", procfile))).Check(ArbitraryInput.Many);
    }
    [Fact]
    public void FormationConfig_Errors_HaveALine()
    {
        var procfile = Procfile.Parse("web: a\nworker: b\n", "Procfile");
        Prop.ForAll(ArbitraryInput.YamlTexts(), s =>
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
        }).Check(ArbitraryInput.Many);
    }
}
