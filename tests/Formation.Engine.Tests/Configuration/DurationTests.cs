using Formation.Engine.Configuration;

namespace Formation.Engine.Tests.Configuration;

/// <summary>One grammar with one maximum (issue 10, issue 11.1), one formatter.</summary>
public class DurationTests
{
    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("5s", 5_000)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("5", 5_000)]
    [InlineData("0.5", 500)]
    [InlineData("0", 0)]
    [InlineData("24h", 86_400_000)]
    [InlineData("86400", 86_400_000)]
    public void TryParse_TheDocumentedForms(string text, long milliseconds)
    {
        Assert.True(Duration.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), value);
    }

    [Theory]
    [InlineData("4294968")]
    [InlineData("1200h")]
    [InlineData("50d")]
    [InlineData("86401")]
    [InlineData("-1")]
    [InlineData("soon")]
    [InlineData("1e9")]
    [InlineData("NaN")]
    [InlineData("99999999999999999999")]
    [InlineData("")]
    public void TryParse_AboveTheMaximumOrMalformed_IsRefused(string text) =>
        Assert.False(Duration.TryParse(text, out _));

    [Fact]
    public void Parse_Refused_NamesTheOptionAndTheGrammar()
    {
        var ex = Assert.Throws<FormationConfigException>(() => Duration.Parse("4294968", "stop timeout"));
        Assert.Equal("Invalid stop timeout '4294968': use a duration from 0 to 24h such as 500ms, 5s, 2m, 1h or plain seconds.", ex.Message);
    }

    [Theory]
    [InlineData(250, "250 ms")]
    [InlineData(0, "0 ms")]
    [InlineData(1_000, "1 s")]
    [InlineData(1_500, "1.5 s")]
    [InlineData(90_000, "90 s")]
    [InlineData(120_000, "2 min")]
    [InlineData(300_000, "5 min")]
    [InlineData(3_600_000, "1 h")]
    [InlineData(5_400_000, "90 min")]
    public void Format_TheLargestWholeUnit(long milliseconds, string expected) =>
        Assert.Equal(expected, Duration.Format(TimeSpan.FromMilliseconds(milliseconds)));

    [Fact]
    public void StopTimeoutOption_AboveTheMaximum_IsAConfigError()
    {
        var dir = Directory.CreateTempSubdirectory("formation-duration-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "Procfile"), "web: sleep 1\n");
            var ex = Assert.Throws<FormationConfigException>(() => FormationPlan.Create(new FormationOptions
            {
                Procfile = Path.Combine(dir, "Procfile"), EnvFiles = [], Config = "", StopTimeout = TimeSpan.FromDays(50),
            }));
            Assert.Contains("Invalid stop timeout 1200 h: use a duration from 0 to 24h", ex.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
