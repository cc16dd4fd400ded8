using Formation.Engine.Configuration;
using Formation.Engine.Output;
using Formation.Engine.Tests.Support;

namespace Formation.Engine.Tests.Output;

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
        var files = f.WriteLogFiles(LogFiles.DirectoryFor(plan)!);
        f.Start();
        await events.UntilLine("a.1", "from-a");
        await events.UntilLine("b.1", "from-b");
        await f.StopAsync().WaitAsync(Patience);
        files.Dispose();

        Assert.EndsWith(" from-a", File.ReadAllLines(Path.Combine(Directory, "logs", "a.1.log")).Single());
        Assert.EndsWith(" from-b", File.ReadAllLines(Path.Combine(Directory, "logs", "b.1.log")).Single());
        Assert.Contains(File.ReadAllLines(Path.Combine(Directory, "logs", "system.log")), l => l.Contains("a.1 started"));
    }

    [SkippableFact]
    public async Task Attach_DiskFills_SaysSoOnceNamingTheFile_AndTheFormationCarriesOn()
    {
        using var disk = new SmallTmpfs();
        var f = Create(Options("w: i=0; while [ $i -lt 3000 ]; do echo \"line $i of a process that fills the disk\"; i=$((i+1)); done; echo done; exec sleep 100\n"));
        var events = new Events(f);
        var reports = new List<string>();
        var files = f.WriteLogFiles(disk.Directory);
        files.Report = line => { lock (reports) reports.Add(line); };
        f.Start();

        await events.UntilLine("w.1", "done"); // every line still reaches the formation's subscribers (stdout in the CLI)
        await f.StopAsync().WaitAsync(Patience);
        files.Dispose();
        files.Dispose();

        var path = Path.Combine(disk.Directory, "w.1.log");
        var report = Assert.Single(reports, r => r.Contains(path));
        Assert.StartsWith($"formation: cannot write {path}: No space left on device", report);
        Assert.EndsWith("; its output is no longer written there.", report);
        Assert.Equal(3001, events.LinesOf("w.1").Count);
    }

    [Fact]
    public void Attach_LinkPlantedAsALogFile_IsAnErrorNamingIt()
    {
        var dir = System.IO.Directory.CreateDirectory(Path.Combine(Directory, "logs")).FullName;
        var victim = Write("victim.txt", "theirs\n");
        File.CreateSymbolicLink(Path.Combine(dir, "web.1.log"), victim);
        var f = Create(Options("web: echo hi; sleep 100\n"));

        var ex = Assert.Throws<FormationException>(() => f.WriteLogFiles(dir));

        Assert.Equal($"Cannot write the log file {dir}/web.1.log: it is a symbolic link (to {victim}): not followed. " +
                     "Remove it or choose another log directory (log_dir in formation.yml or --log-dir).", ex.Message);
        Assert.Equal("theirs\n", File.ReadAllText(victim));
    }

    [Fact]
    public void Write_LinkPlantedLater_IsNeverFollowed()
    {
        var dir = Path.Combine(Directory, "logs");
        var victim = Write("victim.txt", "theirs\n");
        var dangling = Path.Combine(Directory, "created-through-a-link");
        var reports = new List<string>();
        using (var files = LogFiles.Create(dir, LogFiles.DefaultMaxBytes, 1))
        {
            files.Report = reports.Add;
            File.CreateSymbolicLink(Path.Combine(dir, "web.1.log"), victim);
            File.CreateSymbolicLink(Path.Combine(dir, "web.2.log"), dangling);
            files.Write(new LogLine(DateTimeOffset.UnixEpoch, "app", "web.1", "web", LogStream.StdOut, "secret output"));
            files.Write(new LogLine(DateTimeOffset.UnixEpoch, "app", "web.2", "web", LogStream.StdOut, "secret output"));
        }

        Assert.Equal("theirs\n", File.ReadAllText(victim));
        Assert.False(File.Exists(dangling));
        Assert.Equal(2, reports.Count);
        Assert.Contains($"formation: cannot write {dir}/web.1.log: {dir}/web.1.log is a symbolic link (to {victim}): not followed;", reports[0]);
    }

    [Fact]
    public void Write_NewFiles_AreReadableByTheOwnerOnly()
    {
        var dir = Path.Combine(Directory, "logs");
        using (var files = LogFiles.Create(dir, maxBytes: 100, keep: 2))
        {
            for (var i = 0; i < 10; i++) files.Write(new LogLine(DateTimeOffset.UnixEpoch, "app", "web.1", "web", LogStream.StdOut, $"line {i} " + new string('x', 30)));
        }

        Assert.Equal(3, System.IO.Directory.GetFiles(dir).Length);
        Assert.All(System.IO.Directory.GetFiles(dir), p => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(p)));
    }

    [SkippableFact]
    public void Write_AnotherUsersFile_IsNotWritten()
    {
        Skip.IfNot(Environment.UserName == "root", "Only root can give a file to another user (chown); run as root to test this.");
        var dir = System.IO.Directory.CreateDirectory(Path.Combine(Directory, "logs")).FullName;
        var theirs = Path.Combine(dir, "web.1.log");
        File.WriteAllText(theirs, "theirs\n");
        Assert.Equal(0, chown(theirs, 4242, 4242));
        var reports = new List<string>();
        using (var files = LogFiles.Create(dir, LogFiles.DefaultMaxBytes, 1))
        {
            files.Report = reports.Add;
            files.Write(new LogLine(DateTimeOffset.UnixEpoch, "app", "web.1", "web", LogStream.StdOut, "secret output"));
        }

        Assert.Equal("theirs\n", File.ReadAllText(theirs));
        Assert.Contains("belongs to another user (uid 4242): not written", Assert.Single(reports));
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int chown(string path, int owner, int group);

    [Fact]
    public void LogDirectoryOption_OverridesFormationYml()
    {
        var options = Options("a: sleep 1\n", "log_dir: from-yml\n") with { LogDirectory = "/tmp/x-logs" };
        Assert.Equal("/tmp/x-logs", LogFiles.DirectoryFor(FormationPlan.Create(options)));
        Assert.Null(LogFiles.DirectoryFor(FormationPlan.Create(Options("a: sleep 1\n"))));
    }
}
