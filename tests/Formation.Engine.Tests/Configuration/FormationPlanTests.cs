using Formation.Engine.Configuration;

namespace Formation.Engine.Tests.Configuration;

public class FormationPlanTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("formation-plan-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private FormationOptions Options(string procfile = "web: a\nworker: b\nclock: c\n", Dictionary<string, string>? inherited = null) => new()
    {
        Procfile = Write("Procfile", procfile),
        InheritedEnvironment = inherited ?? new() { ["PATH"] = "/bin" },
    };

    [Fact]
    public void Environment_LayersInOrder_InheritedThenEnvFilesThenExplicitThenIdentity()
    {
        Write("a.env", "A=from-a\nB=from-a\nC=from-a\nPS=from-file\n");
        Write("b.env", "B=from-b\nC=from-b\nREF=${INHERITED}+${A}\n");
        var options = Options(inherited: new() { ["INHERITED"] = "inh", ["A"] = "inh", ["D"] = "inh" }) with
        {
            EnvFiles = [Path.Combine(_dir, "a.env"), Path.Combine(_dir, "b.env")],
            Environment = new Dictionary<string, string> { ["C"] = "explicit", ["FORMATION_TYPE"] = "explicit" },
        };

        var plan = FormationPlan.Create(options);
        var worker = plan.Procfile.Types[1];
        var env = plan.EnvironmentFor(worker, 2);

        Assert.Equal("inh", env["D"]);
        Assert.Equal("from-a", env["A"]);
        Assert.Equal("from-b", env["B"]);
        Assert.Equal("explicit", env["C"]);
        Assert.Equal("inh+from-a", env["REF"]);
        Assert.Equal("5101", env["PORT"]);
        Assert.Equal("worker.2", env["PS"]);
        Assert.Equal("worker.2", env["FORMATION_PROCESS"]);
        Assert.Equal("worker", env["FORMATION_TYPE"]);
        Assert.Equal("2", env["FORMATION_INSTANCE"]);
        Assert.Equal($"{Path.Combine(_dir, "b.env")}:1", plan.Environment["B"].Source);
        Assert.Equal("parameter", plan.Environment["C"].Source);
        Assert.Equal("inherited", plan.Environment["D"].Source);
    }

    [Fact]
    public void EnvFiles_DefaultToDotEnvBesideTheProcfile()
    {
        Write(".env", "FROM_DEFAULT=yes\n");

        var plan = FormationPlan.Create(Options());

        Assert.Equal("yes", plan.Environment["FROM_DEFAULT"].Value);
    }

    [Fact]
    public void EnvFiles_Given_ReplaceTheDefault()
    {
        Write(".env", "FROM_DEFAULT=yes\n");
        Write("other.env", "OTHER=1\n");

        var plan = FormationPlan.Create(Options() with { EnvFiles = [Path.Combine(_dir, "other.env")] });

        Assert.False(plan.Environment.ContainsKey("FROM_DEFAULT"));
        Assert.Equal("1", plan.Environment["OTHER"].Value);
    }

    [Fact]
    public void EnvFile_Malformed_IsAnErrorWithItsFileAndLine()
    {
        Write(".env", "OK=1\nnot valid\n");

        var ex = Assert.Throws<FormationConfigException>(() => FormationPlan.Create(Options()));

        Assert.Equal((Path.Combine(_dir, ".env"), 2), (ex.Errors[0].File, ex.Errors[0].Line));
    }

    [Theory]
    [InlineData("web", 1, 5000)]
    [InlineData("web", 3, 5002)]
    [InlineData("worker", 1, 5100)]
    [InlineData("clock", 2, 5201)]
    public void Port_IsBasePlus100PerTypePositionPlusIndex(string type, int index, int port)
    {
        var plan = FormationPlan.Create(Options());

        Assert.Equal(port, plan.PortFor(plan.Procfile.Find(type)!, index));
    }

    [Fact]
    public void BasePort_OptionBeatsEnvFileBeatsInheritedBeatsDefault()
    {
        Assert.Equal(5000, FormationPlan.Create(Options()).BasePort);
        Assert.Equal(7000, FormationPlan.Create(Options(inherited: new() { ["PORT"] = "7000" })).BasePort);

        Write(".env", "PORT=8000\n");
        Assert.Equal(8000, FormationPlan.Create(Options(inherited: new() { ["PORT"] = "7000" })).BasePort);
        Assert.Equal(9000, FormationPlan.Create(Options(inherited: new() { ["PORT"] = "7000" }) with { Port = 9000 }).BasePort);
    }

    [Fact]
    public void BasePort_NotANumber_IsAnErrorNamingTheEnvLine()
    {
        Write(".env", "A=1\nPORT=http\n");

        var ex = Assert.Throws<FormationConfigException>(() => FormationPlan.Create(Options()));

        var error = Assert.Single(ex.Errors);
        Assert.Equal(2, error.Line);
        Assert.Contains("PORT 'http'", error.Message);
    }

    [Fact]
    public void Ports_OverflowingPast65535_AreAnError()
    {
        var ex = Assert.Throws<FormationConfigException>(() => FormationPlan.Create(Options() with { Port = 65400 }));

        Assert.Contains("'clock' cannot run 1 instances with base port 65400", ex.Message);
    }

    [Fact]
    public void Counts_DefaultOne_AllSetsDefault_NamedOverride_ZeroDisables()
    {
        var plan = FormationPlan.Create(Options() with { Scale = ScaleSpec.Parse("all=2,worker=5,clock=0") });

        Assert.Equal(2, plan.Counts["web"]);
        Assert.Equal(5, plan.Counts["worker"]);
        Assert.Equal(0, plan.Counts["clock"]);
        Assert.Equal(1, FormationPlan.Create(Options()).Counts["web"]);
    }

    [Fact]
    public void Counts_PositionalTypes_RunOnlyThose_AndKeepTheirPorts()
    {
        var plan = FormationPlan.Create(Options() with { Types = ["clock"], Scale = ScaleSpec.Parse("clock=2") });

        Assert.Equal([0, 0, 2], plan.Procfile.Types.Select(t => plan.Counts[t.Name]));
        Assert.Equal(5200, plan.PortFor(plan.Procfile.Find("clock")!, 1));
    }

    [Fact]
    public void Counts_UnknownType_IsAnErrorListingTheValidTypes()
    {
        var ex = Assert.Throws<FormationConfigException>(() => FormationPlan.Create(Options() with { Scale = ScaleSpec.Parse("wrker=2") }));

        Assert.Contains("Unknown process type 'wrker' in the formation. Valid types: web, worker, clock", ex.Message);
    }

    [Fact]
    public void Types_Unknown_IsAnErrorListingTheValidTypes()
    {
        var ex = Assert.Throws<FormationConfigException>(() => FormationPlan.Create(Options() with { Types = ["db"] }));

        Assert.Contains("Unknown process type 'db'. Valid types: web, worker, clock", ex.Message);
    }

    [Fact]
    public void StopSignal_Unknown_IsAnError()
    {
        var ex = Assert.Throws<FormationConfigException>(() => FormationPlan.Create(Options() with { StopSignal = "SEGV" }));

        Assert.Contains("Invalid stop signal 'SEGV'", ex.Message);
    }

    [Fact]
    public void WorkingDirectory_Missing_IsAnError()
    {
        var missing = Path.Combine(_dir, "nope");

        var ex = Assert.Throws<FormationConfigException>(() => FormationPlan.Create(Options() with { WorkingDirectory = missing }));

        Assert.Contains($"Working directory '{missing}' does not exist", ex.Message);
    }

    [Fact]
    public void Name_DefaultsToTheProcfileDirectoryName()
    {
        Assert.Equal(Path.GetFileName(_dir), FormationPlan.Create(Options()).Name);
    }
}
