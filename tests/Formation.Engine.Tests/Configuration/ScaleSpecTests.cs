using Formation.Engine.Configuration;

namespace Formation.Engine.Tests.Configuration;

/// <summary>foreman's formation syntax (<c>web=2,all=1</c>): pairs, the one <c>all</c> expansion, and an unknown type reported before its count.</summary>
public partial class ScaleSpecTests
{
    private static readonly string[] Types = ["api", "worker"];

    [Theory]
    [InlineData("web=-1")]
    [InlineData("web=abc")]
    [InlineData("web=")]
    public void Parse_UnknownTypeWithABadCount_ReportsTheUnknownTypeOnly(string spec)
    {
        var ex = Assert.Throws<FormationConfigException>(() => ScaleSpec.Parse(spec, Types));

        Assert.Equal(["Unknown process type 'web' in the formation. Valid types: api, worker (or 'all')."], ex.Errors.Select(e => e.Message));
    }

    [Fact]
    public void Parse_KnownTypeWithABadCount_JudgesTheCount()
    {
        var ex = Assert.Throws<FormationConfigException>(() => ScaleSpec.Parse("api=abc,all=2", Types));

        Assert.Equal(["Invalid count 'abc' for 'api' in the formation: use a whole number 0 or more."], ex.Errors.Select(e => e.Message));
    }

    [Fact]
    public void Parse_WithoutTypes_JudgesTheCount()
    {
        var ex = Assert.Throws<FormationConfigException>(() => ScaleSpec.Parse("web=abc"));

        Assert.Contains("Invalid count 'abc' for 'web'", ex.Errors[0].Message);
    }

    [Fact]
    public void Parse_KnownTypesAndAll_GiveTheCounts()
    {
        Assert.Equal(new Dictionary<string, int> { ["api"] = 2, ["all"] = 0 }, ScaleSpec.Parse(" api = 2 , all=0", Types));
    }

    [Fact]
    public void Plan_UnknownTypeWithANegativeCount_ReportsTheUnknownTypeOnly()
    {
        var dir = Directory.CreateTempSubdirectory("formation-scale-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "Procfile"), "api: ./api\nworker: ./worker\n");

            var ex = Assert.Throws<FormationConfigException>(() => FormationPlan.Create(new FormationOptions
            {
                Procfile = Path.Combine(dir, "Procfile"),
                Scale = new Dictionary<string, int> { ["web"] = -1 },
            }));

            Assert.Equal(["Unknown process type 'web' in the formation. Valid types: api, worker (or 'all')."], ex.Errors.Select(e => e.Message));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Parse_Pairs_WithWhitespace()
    {
        var scale = ScaleSpec.Parse(" web=2, worker = 3 ,all=1");

        Assert.Equal(new Dictionary<string, int> { ["web"] = 2, ["worker"] = 3, ["all"] = 1 }, scale);
    }

    [Fact]
    public void Parse_Empty_IsEmpty() => Assert.Empty(ScaleSpec.Parse(""));

    [Theory]
    [InlineData("web=-1", "Invalid count '-1' for 'web'")]
    [InlineData("web=two", "Invalid count 'two' for 'web'")]
    [InlineData("web", "Invalid formation entry 'web'")]
    [InlineData("=2", "Invalid formation entry '=2'")]
    [InlineData("web=99999999999", "Invalid count '99999999999'")]
    public void Parse_Invalid_IsAClearError(string spec, string message)
    {
        var ex = Assert.Throws<FormationConfigException>(() => ScaleSpec.Parse(spec));

        Assert.Contains(message, ex.Message);
    }
}
