using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Formation.Engine.Configuration;
using Formation.Engine.Output;
using Formation.Engine.Tests.Support;

namespace Formation.Engine.Tests.Configuration;

/// <summary>Properties on arbitrary input: a result, or our error with a line number, never another exception.</summary>
public partial class ScaleSpecTests
{
    [Fact]
    public void ScaleSpec_Parse_NeverThrowsAnythingElse() =>
        Prop.ForAll(ArbitraryInput.Texts(), s => ArbitraryInput.OnlyOurError(() => ScaleSpec.Parse(s))).Check(ArbitraryInput.Many);
}
