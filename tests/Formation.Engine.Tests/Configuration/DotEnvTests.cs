using Formation.Engine.Configuration;

namespace Formation.Engine.Tests.Configuration;

public partial class DotEnvTests
{
    private static Dictionary<string, string> Parse(string text, Dictionary<string, string>? inherited = null)
    {
        var entries = DotEnv.Parse(text, "/app/.env", k => inherited is not null && inherited.TryGetValue(k, out var v) ? v : null);
        var result = new Dictionary<string, string>();
        foreach (var e in entries) result[e.Key] = e.Value;
        return result;
    }

    [Fact]
    public void Parse_PlainPairs_AndExportPrefix()
    {
        var env = Parse("FOO=bar\nexport X=1\n  SPACED = value  \n");

        Assert.Equal("bar", env["FOO"]);
        Assert.Equal("1", env["X"]);
        Assert.Equal("value", env["SPACED"]);
    }

    [Fact]
    public void Parse_CommentsAndBlankLines_AreSkipped_TrailingCommentsStripped()
    {
        var env = Parse("# a comment\n\nA=1 # trailing\nB=a#b\nC='x' # after quote\nD=\"y\"   # after double\n");

        Assert.Equal(4, env.Count);
        Assert.Equal("1", env["A"]);
        Assert.Equal("a#b", env["B"]);
        Assert.Equal("x", env["C"]);
        Assert.Equal("y", env["D"]);
    }

    [Fact]
    public void Parse_EmptyValues_AndEqualsInsideValues()
    {
        var env = Parse("EMPTY=\nQUOTED_EMPTY=\"\"\nEQ=a=b=c\nURL=postgres://u:p@h/db?x=1\n");

        Assert.Equal("", env["EMPTY"]);
        Assert.Equal("", env["QUOTED_EMPTY"]);
        Assert.Equal("a=b=c", env["EQ"]);
        Assert.Equal("postgres://u:p@h/db?x=1", env["URL"]);
    }

    [Fact]
    public void Parse_SingleQuotes_AreLiteral()
    {
        var env = Parse("FOO=bar\nSQ='lit $FOO ${FOO} \\n \" #no'\n");

        Assert.Equal("lit $FOO ${FOO} \\n \" #no", env["SQ"]);
    }

    [Fact]
    public void Parse_DoubleQuotes_TakeEscapes()
    {
        var env = Parse("ESC=\"a\\nb\\tc \\\"q\\\" back\\\\slash \\$HOME other\\x\"\n");

        Assert.Equal("a\nb\tc \"q\" back\\slash $HOME other\\x", env["ESC"]);
    }

    [Fact]
    public void Parse_DoubleQuotes_SpanLines()
    {
        var env = Parse("MULTI=\"first\nsecond\r\nthird\"\nAFTER=1\n");

        Assert.Equal("first\nsecond\nthird", env["MULTI"]);
        Assert.Equal("1", env["AFTER"]);
    }

    [Fact]
    public void Parse_References_ExpandFromEarlierKeysThenInherited()
    {
        var env = Parse(
            "FOO=bar\nREF=${FOO}-$FOO\nDQ=\"pre ${FOO} post\"\nHOMEREF=$HOME/x\nMISSING=[$NOPE]\nDEFAULT=${NOPE:-fallback}\nLONE=a$ b$\n",
            new() { ["HOME"] = "/home/u", ["FOO"] = "inherited" });

        Assert.Equal("bar-bar", env["REF"]);
        Assert.Equal("pre bar post", env["DQ"]);
        Assert.Equal("/home/u/x", env["HOMEREF"]);
        Assert.Equal("[]", env["MISSING"]);
        Assert.Equal("fallback", env["DEFAULT"]);
        Assert.Equal("a$ b$", env["LONE"]);
    }

    [Fact]
    public void Parse_LaterKey_Wins_AndIsSeenByLaterReferences()
    {
        var env = Parse("A=1\nA=2\nB=$A\n");

        Assert.Equal("2", env["A"]);
        Assert.Equal("2", env["B"]);
    }

    [Fact]
    public void Parse_EntriesRecordTheirLine()
    {
        var entries = DotEnv.Parse("# c\nA=1\nM=\"x\ny\"\nB=2\n", "/app/.env", _ => null);

        Assert.Equal([("A", 2), ("M", 3), ("B", 5)], entries.Select(e => (e.Key, e.Line)));
        Assert.All(entries, e => Assert.Equal("/app/.env", e.File));
    }

    [Fact]
    public void Parse_CrlfAndBom()
    {
        var env = Parse("\uFEFFA=1\r\nB=\"two\"\r\nC='3'\r\n");

        Assert.Equal(["1", "two", "3"], new[] { env["A"], env["B"], env["C"] });
    }

    [Theory]
    [InlineData("GOOD=1\nthis is bad\n", 2, "Expected '=' after 'this'")]
    [InlineData("GOOD=1\n=value\n", 2, "Expected KEY=VALUE")]
    [InlineData("1ABC=x\n", 1, "Expected KEY=VALUE")]
    [InlineData("A=\"unterminated\nB=2\n", 1, "Unterminated double quote (opened on line 1)")]
    [InlineData("A='open\n", 1, "Unterminated single quote")]
    [InlineData("A=\"x\" junk\n", 1, "Unexpected text after the quoted value of 'A'")]
    [InlineData("A=${B\n", 1, "Unterminated '${'")]
    [InlineData("A=${1B}\n", 1, "is not a variable reference")]
    public void Parse_MalformedLine_IsAnErrorNamingFileAndLine(string text, int line, string message)
    {
        var ex = Assert.Throws<FormationConfigException>(() => DotEnv.Parse(text, "/app/.env", _ => null));

        var error = ex.Errors[0];
        Assert.Equal("/app/.env", error.File);
        Assert.Equal(line, error.Line);
        Assert.Contains(message, error.Message);
        Assert.StartsWith($"/app/.env:{line}: ", error.ToString());
    }

    [Fact]
    public void Parse_ErrorsOnSeveralLines_AreAllReported_AndLaterLinesStillCount()
    {
        var ex = Assert.Throws<FormationConfigException>(() => DotEnv.Parse("bad\nA=1\nalso bad\nB=2\n", "/app/.env", _ => null));

        Assert.Equal([1, 3], ex.Errors.Select(e => e.Line));
    }

    [Fact]
    public void Load_MissingFile_SaysWhichPath()
    {
        var path = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".env");

        var ex = Assert.Throws<FormationConfigException>(() => DotEnv.Load(path, _ => null));

        Assert.Contains($"No .env file found at '{path}'", ex.Message);
    }
}
