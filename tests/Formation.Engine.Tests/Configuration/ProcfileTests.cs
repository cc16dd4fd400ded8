using Formation.Engine.Configuration;

namespace Formation.Engine.Tests.Configuration;

public partial class ProcfileTests
{
    [Fact]
    public void Parse_ValidLines_KeepsOrderAndCommands()
    {
        var p = Procfile.Parse("web: bundle exec puma -p $PORT\nworker:  ./worker --queue=a:b\nclock:echo tick\n", "Procfile");

        Assert.Equal(["web", "worker", "clock"], p.Types.Select(t => t.Name));
        Assert.Equal("bundle exec puma -p $PORT", p.Types[0].Command);
        Assert.Equal("./worker --queue=a:b", p.Types[1].Command);
        Assert.Equal("echo tick", p.Types[2].Command);
        Assert.Equal([0, 1, 2], p.Types.Select(t => t.Position));
        Assert.Equal([1, 2, 3], p.Types.Select(t => t.Line));
    }

    [Fact]
    public void Parse_BlankLinesAndComments_AreSkipped()
    {
        var p = Procfile.Parse("# comment\n\n   \n  # indented comment\nweb: run\n", "Procfile");

        var web = Assert.Single(p.Types);
        Assert.Equal(5, web.Line);
    }

    [Fact]
    public void Parse_CrlfAndBom_AreAccepted()
    {
        var p = Procfile.Parse("\uFEFFweb: run web\r\nworker: run worker\r\n", "Procfile");

        Assert.Equal(["web", "worker"], p.Types.Select(t => t.Name));
        Assert.Equal("run web", p.Types[0].Command);
    }

    [Fact]
    public void Parse_NamesWithDigitsDashAndUnderscore_AreValid()
    {
        var p = Procfile.Parse("web-2_a: x\n", "Procfile");

        Assert.Equal("web-2_a", Assert.Single(p.Types).Name);
    }

    [Fact]
    public void Parse_InvalidLine_IsAnErrorNamingFileAndLineAndShowingIt()
    {
        var ex = Assert.Throws<FormationConfigException>(() => Procfile.Parse("web: ok\nthis is not valid\n", "/app/Procfile"));

        var error = Assert.Single(ex.Errors);
        Assert.Equal("/app/Procfile", error.File);
        Assert.Equal(2, error.Line);
        Assert.Equal("this is not valid", error.Text);
        Assert.StartsWith("/app/Procfile:2: Not a process type", error.ToString());
    }

    [Theory]
    [InlineData("web.1: x", "Invalid process type name 'web.1'")]
    [InlineData(": x", "Missing process type name")]
    [InlineData("web:", "has no command")]
    [InlineData("web:    ", "has no command")]
    public void Parse_BadEntry_SaysWhatIsWrong(string line, string expected)
    {
        var ex = Assert.Throws<FormationConfigException>(() => Procfile.Parse(line, "Procfile"));

        Assert.Contains(expected, Assert.Single(ex.Errors).Message);
    }

    [Fact]
    public void Parse_DuplicateName_IsAnErrorThatNamesTheFirstLine()
    {
        var ex = Assert.Throws<FormationConfigException>(() => Procfile.Parse("web: a\nworker: b\nweb: c\n", "Procfile"));

        var error = Assert.Single(ex.Errors);
        Assert.Equal(3, error.Line);
        Assert.Contains("Duplicate process type 'web' (first defined on line 1)", error.Message);
    }

    [Fact]
    public void Parse_SeveralBadLines_ReportsEveryOne()
    {
        var ex = Assert.Throws<FormationConfigException>(() => Procfile.Parse("bad one\nweb: ok\nbad two\n", "Procfile"));

        Assert.Equal([1, 3], ex.Errors.Select(e => e.Line));
    }

    [Fact]
    public void Parse_NoTypes_IsAnError()
    {
        var ex = Assert.Throws<FormationConfigException>(() => Procfile.Parse("# only a comment\n", "Procfile"));

        Assert.Contains("defines no process types", Assert.Single(ex.Errors).Message);
    }

    [Fact]
    public void Parse_ControlCharacters_AreShownVisibly()
    {
        var ex = Assert.Throws<FormationConfigException>(() => Procfile.Parse("\u0001\u0002binary\n", "Procfile"));

        Assert.DoesNotContain('\u0001', Assert.Single(ex.Errors).Text!);
    }

    [Fact]
    public void Load_MissingFile_SaysWhichPathWasTried()
    {
        var path = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "Procfile");

        var ex = Assert.Throws<FormationConfigException>(() => Procfile.Load(path));

        Assert.Contains($"No Procfile found at '{path}'", ex.Message);
    }
}
