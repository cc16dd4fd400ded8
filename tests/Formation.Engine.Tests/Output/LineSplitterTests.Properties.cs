using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Formation.Engine.Configuration;
using Formation.Engine.Output;
using Formation.Engine.Tests.Support;

namespace Formation.Engine.Tests.Output;

/// <summary>Properties on arbitrary input: a result, or our error with a line number, never another exception.</summary>
public partial class LineSplitterTests
{
    [Fact]
    public void LineSplitter_AnyChunking_LosesNothing() =>
        Prop.ForAll(
            Gen.Elements("a", "bc", "\n", "é", "€", "😀", "xyz\n").ListOf().Select(p => string.Concat(p)).ToArbitrary(),
            Gen.Choose(1, 7).ToArbitrary(),
            (text, chunk) =>
            {
                var bytes = Encoding.UTF8.GetBytes(text);
                var splitter = new LineSplitter(maxLineBytes: 8);
                var lines = new List<string>();
                for (var i = 0; i < bytes.Length; i += chunk) splitter.Push(bytes.AsSpan(i, Math.Min(chunk, bytes.Length - i)), lines);
                splitter.Flush(lines);
                // Pieces of over-long lines are delivered as separate lines: rejoin by removing every newline.
                return string.Concat(lines) == text.Replace("\n", "") && lines.All(l => !l.Contains('\uFFFD'));
            }).Check(ArbitraryInput.Many);
    [Fact]
    public void LineSplitter_ArbitraryBytes_NeverThrow() =>
        Prop.ForAll<byte[]>(bytes =>
        {
            var splitter = new LineSplitter(maxLineBytes: 8);
            var lines = new List<string>();
            splitter.Push(bytes ?? [], lines);
            splitter.Flush(lines);
            return true;
        }).Check(ArbitraryInput.Many);
}
