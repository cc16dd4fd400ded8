using Formation.Engine.Os;

namespace Formation.Engine.Tests;

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
}
