using Formation.Engine.Configuration;

namespace Formation.Engine.Tests;

/// <summary>A formation entry naming an unknown type is reported as such before its count is judged.</summary>
public class ScaleSpecOrderTests
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
}
