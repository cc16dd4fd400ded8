using System.Collections;
using Formation.Engine.Configuration;
using Formation.Engine.Supervision;
using Formation.Engine.Tests.Support;

namespace Formation.PowerShell.Tests;

/// <summary>What the cmdlets call beneath PowerShell: argument conversion and the session registry, with real processes.</summary>
public class FacadeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("formation-ps-").FullName;
    private readonly string _token = $"formation-ps-test-{Guid.NewGuid():N}";

    public void Dispose()
    {
        var leaked = LeakScanner.WaitUntilGoneAsync(_token, TimeSpan.FromSeconds(3)).GetAwaiter().GetResult();
        Directory.Delete(_dir, recursive: true);
        Assert.True(leaked.Count == 0, $"left running: {string.Join("; ", leaked)}");
    }

    [Theory]
    [InlineData("5", 5000)]
    [InlineData("0.5", 500)]
    [InlineData("500ms", 500)]
    [InlineData("5s", 5000)]
    [InlineData("2m", 120000)]
    [InlineData("00:00:03", 3000)]
    public void DurationArgument_ParsesTheDocumentedForms(string text, int milliseconds) =>
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), new DurationArgument(text).Value);

    [Fact]
    public void DurationArgument_FromNumbersAndTimeSpans()
    {
        Assert.Equal(TimeSpan.FromSeconds(7), new DurationArgument(7).Value);
        Assert.Equal(TimeSpan.FromSeconds(1.5), new DurationArgument(1.5).Value);
        Assert.Equal(TimeSpan.FromMinutes(1), new DurationArgument(TimeSpan.FromMinutes(1)).Value);
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("-1")]
    public void DurationArgument_Invalid_SaysWhatIsAccepted(string text) =>
        Assert.Contains("use", Assert.Throws<ArgumentException>(() => new DurationArgument(text)).Message);

    [Fact]
    public void ScaleArgument_FromHashtableAndString()
    {
        Assert.Equal(new Dictionary<string, int> { ["web"] = 2, ["worker"] = 3 }, new ScaleArgument(new Hashtable { ["web"] = 2, ["worker"] = 3L }).Counts);
        Assert.Equal(new Dictionary<string, int> { ["web"] = 2, ["all"] = 1 }, new ScaleArgument("web=2,all=1").Counts);
        Assert.Throws<ArgumentException>(() => new ScaleArgument(new Hashtable { ["web"] = "many" }));
        Assert.Throws<FormationConfigException>(() => new ScaleArgument("web=x"));
    }

    [Fact]
    public void Registry_StopAll_StopsEveryFormationAndForgetsThem()
    {
        var procfile = Path.Combine(_dir, "Procfile");
        File.WriteAllText(procfile, "web: exec sleep 100\ntree: sh -c 'sleep 100 & wait'\n");
        var options = new FormationOptions
        {
            Procfile = procfile,
            Name = "registry",
            InheritedEnvironment = new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin", [LeakScanner.TokenVariable] = _token },
        };
        var formation = FormationRegistry.Engine.Start(options);
        Assert.Equal(FormationState.Running, formation.State);

        FormationRegistry.StopAll();

        Assert.Empty(LeakScanner.Find(_token));
        Assert.Equal(FormationState.Stopped, formation.State);
        Assert.Null(FormationRegistry.Engine.Find("registry"));
    }
}
