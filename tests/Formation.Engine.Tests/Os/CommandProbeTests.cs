using Formation.Engine.Os;

namespace Formation.Engine.Tests.Os;

public class CommandProbeTests
{
    [Theory]
    [InlineData("sleep 600", new[] { "sleep", "600" })]
    [InlineData("sh -c 'echo ready; exec sleep 600'", new[] { "sh", "-c", "echo ready; exec sleep 600" })]
    [InlineData("./bin/worker --queue=a,b  -v", new[] { "./bin/worker", "--queue=a,b", "-v" })]
    [InlineData("node \"server one.js\" a'b'c", new[] { "node", "server one.js", "abc" })]
    [InlineData("tool '%s|' '' x", new[] { "tool", "%s|", "", "x" })]
    [InlineData("printf ok", null)]
    public void SplitSimple_CommandsThatNeedNoShell(string command, string[]? argv) =>
        Assert.Equal(argv, CommandProbe.SplitSimple(command));

    [Theory]
    [InlineData("puma -p $PORT")]
    [InlineData("echo \"$HOME\"")]
    [InlineData("run > log.txt")]
    [InlineData("a && b")]
    [InlineData("a; b")]
    [InlineData("a | b")]
    [InlineData("sleep 1 &")]
    [InlineData("ls *.txt")]
    [InlineData("cd ~")]
    [InlineData("echo `date`")]
    [InlineData("FOO=1 run")]
    [InlineData("exec sleep 1")]
    [InlineData("echo unterminated 'quote")]
    [InlineData("echo a\\ b")]
    [InlineData("run # comment")]
    public void SplitSimple_AnythingTheShellMustInterpret_IsLeftToIt(string command) =>
        Assert.Null(CommandProbe.SplitSimple(command));

    /// <summary>Issue 11.6: what the shell would run is not refused by the PATH check.</summary>
    [Theory]
    [InlineData("greet() { echo hi; }; greet")]
    [InlineData("greet () { echo hi; }; greet")]
    [InlineData("2>/dev/null cmd")]
    [InlineData("2>&1 cmd")]
    [InlineData("0<in cmd")]
    public void Check_AShellConstruct_IsNotRefusedAsCommandNotFound(string command)
    {
        Assert.Null(CommandProbe.FirstWord(command));
        Assert.Null(CommandProbe.Check(command, "/", new Dictionary<string, string> { ["PATH"] = "/nonexistent" }).Problem);
    }

    [Fact]
    public void Check_AProgramFollowedByARedirection_IsStillChecked() =>
        Assert.StartsWith("command not found: 'rais'", CommandProbe.Check("rais>log", "/", new Dictionary<string, string> { ["PATH"] = "/bin" }).Problem);
}
