using System.Diagnostics;
using System.Globalization;
using Formation.Engine.Supervision;
using Formation.Engine.Tests.Support;
using Xunit.Abstractions;

namespace Formation.Engine.Tests.Supervision;

/// <summary>
/// The order of a stop as the processes themselves saw it: each writes the time (ns) it got its stop signal and the
/// time it exited, and web takes a while to exit.
/// </summary>
public class ProcessFormationStopOrderTests(ITestOutputHelper output) : ProcessTest
{
    // Each type writes TYPE.term when the signal comes and TYPE.exit just before it exits; web takes 300 ms to exit.
    private static string Type(string name, double linger = 0) =>
        $"{name}: trap 'date +%s%N > {name}.term; sleep {linger.ToString(CultureInfo.InvariantCulture)}; date +%s%N > {name}.exit; exit 0' TERM; " +
        "echo up; sleep 1000 & wait\n";

    private const string Config = "processes:\n  web: { after: [db] }\n  worker: { after: [web] }\n";

    [Fact]
    public async Task StopAsync_WithAfter_StopsDependentsFirstEachGoneBeforeTheNext()
    {
        var f = Start(Options(Type("db") + Type("web", linger: 0.3) + Type("worker") + Type("clock"), Config));
        await Up(f, "db.1", "web.1", "worker.1", "clock.1");

        var clock = Stopwatch.StartNew();
        await f.StopAsync().WaitAsync(Patience);
        output.WriteLine($"ordered stop of db <- web (300 ms to exit) <- worker, and clock: {clock.Elapsed.TotalSeconds:0.00} s");

        // worker (and clock, which nothing orders) first; web once worker is gone; db once web is gone.
        Assert.True(Time("worker.exit") < Time("web.term"), "web got its signal only after worker had exited");
        Assert.True(Time("web.exit") < Time("db.term"), "db got its signal only after web had exited");
        Assert.True(Time("clock.term") < Time("web.term"), "clock, which nothing orders, stopped in the first step");
    }

    [Fact]
    public async Task StopAsync_OrderedStopOff_SignalsEveryTypeAtOnce()
    {
        var f = Start(Options(Type("db") + Type("web", linger: 0.3) + Type("worker") + Type("clock"), Config) with { OrderedStop = false });
        await Up(f, "db.1", "web.1", "worker.1", "clock.1");

        var clock = Stopwatch.StartNew();
        await f.StopAsync().WaitAsync(Patience);
        output.WriteLine($"stop at once of the same formation: {clock.Elapsed.TotalSeconds:0.00} s");

        Assert.True(Time("db.term") < Time("web.exit"), "db got its signal while web was still exiting");
    }

    [Fact]
    public async Task StopAsync_OrderedStopOffInFormationYml_SignalsEveryTypeAtOnce()
    {
        var f = Start(Options(Type("db") + Type("web", linger: 0.3), "ordered_stop: false\nprocesses:\n  web: { after: [db] }\n"));
        await Up(f, "db.1", "web.1");

        await f.StopAsync().WaitAsync(Patience);

        Assert.True(Time("db.term") < Time("web.exit"), "db got its signal while web was still exiting");
    }

    private static async Task Up(ProcessFormation f, params string[] names)
    {
        var events = new Events(f);
        await events.Until(_ => names.All(n => f.GetLog(n).Any(l => l.Line == "up")), string.Join(", ", names) + " up");
    }

    private long Time(string file) => long.Parse(File.ReadAllText(Path.Combine(Directory, file)).Trim(), CultureInfo.InvariantCulture);
}
