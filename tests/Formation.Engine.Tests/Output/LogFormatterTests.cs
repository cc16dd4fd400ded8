using Formation.Engine.Output;

namespace Formation.Engine.Tests.Output;

public class LogFormatterTests
{
    private static LogLine Line(string process, string text = "hi") =>
        new(new DateTimeOffset(2026, 1, 1, 14, 3, 7, TimeSpan.Zero), "app", process,
            process == LogLine.SystemName ? null : process[..process.IndexOf('.')], process == LogLine.SystemName ? LogStream.System : LogStream.StdOut, text);

    [Fact]
    public void ColourOf_InstancesOfOneType_EachGetTheirOwn()
    {
        var formatter = new LogFormatter(["web.1", "web.2", "worker.1"], colour: true);

        string[] colours = [formatter.ColourOf("web.1"), formatter.ColourOf("web.2"), formatter.ColourOf("worker.1"), formatter.ColourOf("system")];

        Assert.Equal(4, colours.Distinct().Count());
        Assert.Equal("\e[36m14:03:07 web.1    | \e[0mhi", formatter.Format(Line("web.1")));
        Assert.Equal("\e[33m14:03:07 web.2    | \e[0mhi", formatter.Format(Line("web.2")));
    }

    [Fact]
    public void ColourOf_AnInstanceAddedLater_GetsTheNextColourAndKeepsIt()
    {
        var formatter = new LogFormatter(["web.1"], colour: true);

        var added = formatter.ColourOf("web.2");

        Assert.NotEqual(formatter.ColourOf("web.1"), added);
        Assert.Equal(added, formatter.ColourOf("web.2"));
    }

    [Fact]
    public void Format_ShortNames_ArePaddedToSystem()
    {
        var formatter = new LogFormatter(["a.1"], timestamps: false);

        Assert.Equal("a.1    | hi", formatter.Format(Line("a.1")));
        Assert.Equal("system | up", formatter.Format(Line("system", "up")));
    }

    [Fact]
    public void Format_LongestName_SetsTheColumnForEveryLine()
    {
        var formatter = new LogFormatter(["release.1", "web.1"], timestamps: false);

        Assert.Equal("web.1     | hi", formatter.Format(Line("web.1")));
        Assert.Equal("system    | up", formatter.Format(Line("system", "up")));
        Assert.Equal("release.1 | hi", formatter.Format(Line("release.1")));
        Assert.Equal("web.1     | ", formatter.Prefix("web.1"));
    }

    [Fact]
    public void Format_ANameLongerThanTheColumn_WidensItFromThenOn()
    {
        var formatter = new LogFormatter(["web.1"], timestamps: false);

        Assert.Equal("scheduler.1 | hi", formatter.Format(Line("scheduler.1")));
        Assert.Equal("web.1       | hi", formatter.Format(Line("web.1")));
    }

    [Fact]
    public void Format_WithTimestamps_StartsWithTheTime()
    {
        var formatter = new LogFormatter(["web.1"]);

        Assert.Equal("14:03:07 web.1  | hi", formatter.Format(Line("web.1")));
    }
}
