using Formation.PowerShell;

namespace Formation.PowerShell.Tests;

/// <summary>-StopTimeout and the other duration parameters take the engine's one grammar and its one maximum (issue 10, 11.1).</summary>
public class DurationArgumentTests
{
    [Theory]
    [InlineData("1h", 3_600_000)]
    [InlineData("500ms", 500)]
    [InlineData("2m", 120_000)]
    [InlineData("5", 5_000)]
    [InlineData("00:00:03", 3_000)]
    public void String_InTheGrammar_IsAccepted(string text, long milliseconds) =>
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), new DurationArgument(text).Value);

    [Theory]
    [InlineData("4294968")]
    [InlineData("50d")]
    [InlineData("25h")]
    [InlineData("2.00:00:00")]
    [InlineData("-1")]
    public void String_AboveTheMaximumOrMalformed_IsRefusedWithTheGrammar(string text) =>
        Assert.Contains("use a duration from 0 to 24h", Assert.Throws<ArgumentException>(() => new DurationArgument(text)).Message);

    [Fact]
    public void Numbers_AboveTheMaximum_AreRefused()
    {
        Assert.Throws<ArgumentException>(() => new DurationArgument(4294968));
        Assert.Throws<ArgumentException>(() => new DurationArgument(1e12));
        Assert.Throws<ArgumentException>(() => new DurationArgument(TimeSpan.FromDays(50)));
        Assert.Equal(TimeSpan.FromHours(24), new DurationArgument(86400).Value);
    }
}
