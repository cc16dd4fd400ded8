using System.Text;
using Formation.Engine.Output;

namespace Formation.Engine.Tests.Output;

public partial class LineSplitterTests
{
    private static List<string> Split(params byte[][] chunks)
    {
        var s = new LineSplitter();
        var lines = new List<string>();
        foreach (var c in chunks) s.Push(c, lines);
        s.Flush(lines);
        return lines;
    }

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void Push_LinesAcrossChunks_AreWhole() =>
        Assert.Equal(["hello world", "second", "third"], Split(B("hel"), B("lo world\nsec"), B("ond\nthird\n")));

    [Fact]
    public void Flush_FinalLineWithoutNewline_IsDelivered() =>
        Assert.Equal(["a", "no newline"], Split(B("a\nno newline")));

    [Fact]
    public void Push_EmptyLinesAndCrlf_AreKept() =>
        Assert.Equal(["", "x", ""], Split(B("\nx\r\n\r\n")));

    [Fact]
    public void Push_LineLongerThanTheCap_IsSplitNotLost()
    {
        var text = new string('a', LineSplitter.MaxLineBytes * 2 + 10);

        var lines = Split(B(text + "\n"));

        Assert.Equal([LineSplitter.MaxLineBytes, LineSplitter.MaxLineBytes, 10], lines.Select(l => l.Length));
        Assert.Equal(text, string.Concat(lines));
    }

    [Fact]
    public void Push_SplitLongLine_CutsAtACharacterBoundary()
    {
        // 'é' is 2 bytes, '€' 3, '😀' 4: with a small cap every cut would otherwise land inside one.
        var text = string.Concat(Enumerable.Repeat("aé€😀", 50));
        var s = new LineSplitter(maxLineBytes: 16);
        var lines = new List<string>();

        foreach (var b in B(text + "\n")) s.Push([b], lines);

        Assert.All(lines, l => Assert.DoesNotContain('\uFFFD', l));
        Assert.Equal(text, string.Concat(lines));
    }

    [Fact]
    public void Push_InvalidUtf8_BecomesReplacementCharacters()
    {
        var lines = Split([0x61, 0xFF, 0xC3, 0x28, 0x62, 0x0A]);

        Assert.Equal("a\uFFFD\uFFFD(b", Assert.Single(lines));
    }

    [Theory]
    [InlineData(new byte[] { 0x61, 0x62 }, 2)]
    [InlineData(new byte[] { 0x61, 0xC3 }, 1)]
    [InlineData(new byte[] { 0x61, 0xC3, 0xA9 }, 3)]
    [InlineData(new byte[] { 0x61, 0xE2, 0x82 }, 1)]
    [InlineData(new byte[] { 0x61, 0xF0, 0x9F, 0x98 }, 1)]
    [InlineData(new byte[] { 0x61, 0xF0, 0x9F, 0x98, 0x80 }, 5)]
    [InlineData(new byte[] { 0x80, 0x80 }, 2)]
    public void CharacterBoundary_NeverEndsInsideACharacter(byte[] bytes, int expected) =>
        Assert.Equal(expected, LineSplitter.CharacterBoundary(bytes));
}
