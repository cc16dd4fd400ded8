using Formation.Engine.Configuration;
using Formation.Engine.Output;
using Formation.Engine.Tests.Support;

namespace Formation.Engine.Tests;

public class LogFilesTests : ProcessTest
{
    [Fact]
    public void Write_PastTheLimit_RotatesWholeLinesAndKeepsTheNewest()
    {
        var dir = Path.Combine(Directory, "logs");
        using (var files = LogFiles.Create(dir, maxBytes: 200, keep: 2))
        {
            for (var i = 1; i <= 40; i++)
                files.Write(new LogLine(DateTimeOffset.UnixEpoch.AddSeconds(i), "app", "web.1", "web", LogStream.StdOut, $"line {i:D2} " + new string('x', i % 7)));
        }

        Assert.Equal(["web.1.log", "web.1.log.1", "web.1.log.2"], System.IO.Directory.GetFiles(dir).Select(Path.GetFileName).Order());
        var chain = new[] { "web.1.log.2", "web.1.log.1", "web.1.log" }.Select(f => Path.Combine(dir, f)).ToList();
        Assert.All(chain, f => Assert.InRange(new FileInfo(f).Length, 1, 200));
        var lines = chain.SelectMany(File.ReadAllLines).ToList();
        Assert.All(lines, l => Assert.Matches(@"^\S+ line \d\d x*$", l)); // every line whole
        var numbers = lines.Select(l => int.Parse(l.Split(' ')[2], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Enumerable.Range(numbers[0], numbers.Count), numbers); // consecutive, oldest first
        Assert.Equal(40, numbers[^1]);
    }

    [Fact]
    public async Task Attach_WritesEachProcessToItsOwnFile()
    {
        var options = Options("a: echo from-a; sleep 100\nb: echo from-b; sleep 100\n", "log_dir: logs\n") with { Port = 17600 };
        var plan = FormationPlan.Create(options);
        Assert.Equal(Path.Combine(Directory, "logs"), LogFiles.DirectoryFor(plan));
        var f = Create(options);
        var events = new Events(f);
        var files = LogFiles.Attach(f, LogFiles.DirectoryFor(plan)!);
        f.Start();
        await events.UntilLine("a.1", "from-a");
        await events.UntilLine("b.1", "from-b");
        await f.StopAsync().WaitAsync(Patience);
        files.Dispose();

        Assert.EndsWith(" from-a", File.ReadAllLines(Path.Combine(Directory, "logs", "a.1.log")).Single());
        Assert.EndsWith(" from-b", File.ReadAllLines(Path.Combine(Directory, "logs", "b.1.log")).Single());
        Assert.Contains(File.ReadAllLines(Path.Combine(Directory, "logs", "system.log")), l => l.Contains("a.1 started"));
    }

    [Fact]
    public void LogDirectoryOption_OverridesFormationYml()
    {
        var options = Options("a: sleep 1\n", "log_dir: from-yml\n") with { LogDirectory = "/tmp/x-logs" };
        Assert.Equal("/tmp/x-logs", LogFiles.DirectoryFor(FormationPlan.Create(options)));
        Assert.Null(LogFiles.DirectoryFor(FormationPlan.Create(Options("a: sleep 1\n"))));
    }
}
