using System.Diagnostics;
using System.Net.Sockets;
using Formation.Engine.Control;
using Formation.Engine.Tests.Support;

namespace Formation.Cli.Tests;

/// <summary>
/// The control verbs when the owner misbehaves or runs short, with real signals (SIGSTOP, SIGKILL) and real
/// descriptor limits (prlimit on the running owner): every verb returns, says why on one line, and exits with
/// the README's code; the owner keeps supervising.
/// </summary>
public class ControlFaultCliTests : ControlCliTest
{
    private const string Procfile = "web: while :; do echo \"tick $PORT\"; sleep 0.2; done\nw: sh -c 'echo ready; exec sleep 600'\n";

    private string SocketPath(string name) => Path.Combine(SocketDir, name + ".sock");

    [Fact]
    public async Task EveryVerb_WithTheOwnerStopped_ExitsSevenWithinTheDeadline_NamingItAndItsPid()
    {
        var owner = await StartAsync(Procfile, "-m", "web=1,w=0", "-p", "17900", "--name", "shop");
        owner.Signal("STOP");
        try
        {
            string[][] verbs =
            [
                ["ps"], ["ps", "--name", "shop"], ["restart", "web.1"], ["stop", "--name", "shop"], ["start-process", "web.1"],
                ["scale", "web=2"], ["logs", "--name", "shop"], ["logs", "-f"],
            ];
            var runs = verbs.Select(v => RunWith(Env, v)).ToList();
            var ls = RunWith(Env, "ls");

            foreach (var (run, verb) in runs.Zip(verbs))
            {
                Assert.True(await run.ExitCode() == 7, $"formation {string.Join(' ', verb)} exited {await run.ExitCode()}: {string.Join("\n", run.Stderr)}");
                Assert.Equal([$"formation: Formation 'shop' (pid {owner.Pid}) did not answer within 5 s."], run.Stderr);
            }
            Assert.Equal(0, await ls.ExitCode());
            Assert.Equal([$"formation: Formation 'shop' (pid {owner.Pid}) did not answer within 5 s."], ls.Stderr);
        }
        finally
        {
            owner.Signal("CONT");
        }
        var ps = RunWith(Env, "ps");
        Assert.Equal(0, await ps.ExitCode());
        owner.Signal("TERM");
        Assert.Equal(0, await owner.ExitCode());
    }

    [Fact]
    public async Task LogsFollow_WhenTheOwnerIsKilled_SaysSoOnOneLine_AndExitsSeven()
    {
        var owner = await StartAsync(Procfile, "-m", "web=1,w=0", "-p", "17910", "--name", "doomed");
        var logs = RunWith(Env, "logs", "-f", "web");
        await logs.UntilStdout(l => l.EndsWith("tick 17910"), "a followed line");

        owner.Signal("KILL");

        Assert.Equal(7, await logs.ExitCode());
        Assert.Equal([$"formation: Formation 'doomed' is gone: its owner (pid {owner.Pid}) ended without stopping it."], logs.Stderr);
        await owner.ExitCode();
    }

    [Fact]
    public async Task LogsFollow_WhenTheOwnerStopsAnsweringMidway_FailsAfterTheDeadline_AndExitsSeven()
    {
        var owner = await StartAsync(Procfile, "-m", "web=1,w=0", "-p", "17915", "--name", "frozen");
        var logs = RunWith(Env, "logs", "-f", "web");
        await logs.UntilStdout(l => l.EndsWith("tick 17915"), "a followed line");

        owner.Signal("STOP");
        try
        {
            Assert.Equal(7, await logs.ExitCode());
            Assert.Equal([$"formation: Formation 'frozen' (pid {owner.Pid}) did not answer within 5 s."], logs.Stderr);
        }
        finally
        {
            owner.Signal("CONT");
        }
        owner.Signal("TERM");
        Assert.Equal(0, await owner.ExitCode());
    }

    [Fact]
    public async Task HundredsOfIdleConnections_AtALowDescriptorLimit_LeaveRestartAndPsWorking()
    {
        var owner = await StartAsync(Procfile, "-m", "web=0,w=100", "-p", "17920", "--name", "tight");
        await owner.UntilStdout(_ => owner.Stdout.Count(l => l.EndsWith("| ready")) >= 100, "100 ready instances");
        // Room for 100 more descriptors: less than the 300 connections below, more than supervision's reserve.
        await LimitAsync(owner.Pid, OpenDescriptors(owner.Pid) + 100);
        var idle = new List<Socket>();
        try
        {
            for (var i = 0; i < 300; i++)
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                idle.Add(socket);
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath("tight")));
            }

            var restart = RunWith(Env, "restart", "w.7");
            Assert.True(await restart.ExitCode() == 0, string.Join("\n", restart.Stderr));
            var ps = RunWith(Env, "ps", "--json");
            Assert.Equal(0, await ps.ExitCode());
            Assert.Equal(100, System.Text.Json.JsonDocument.Parse(string.Join("\n", ps.Stdout)).RootElement.GetArrayLength());
        }
        finally
        {
            foreach (var socket in idle) socket.Dispose();
        }
        owner.Signal("TERM");
        Assert.True(await owner.ExitCode() == 0, string.Join("\n", owner.Stdout.Where(l => l.Contains("system") && !l.Contains("started with")).Concat(owner.Stderr)));
        Assert.Empty(LeakScanner.Find(Token));
    }

    [Fact]
    public async Task Accept_OutOfDescriptors_KeepsTrying_AndAnswersOnceTheyAreBack()
    {
        var owner = await StartAsync(Procfile, "-m", "web=1,w=0", "-p", "17930", "--name", "starved");
        Assert.Equal(0, await RunWith(Env, "ps", "--name", "starved").ExitCode()); // served once: what serving loads is loaded
        var limit = await LimitAsync(owner.Pid, OpenDescriptors(owner.Pid)); // not one descriptor free: every accept fails (EMFILE)

        var starved = RunWith(Env, "ps", "--name", "starved");
        Assert.True(await starved.ExitCode() is 1 or 7, string.Join("\n", starved.Stderr.Concat(owner.Stderr)));
        Assert.Single(starved.Stderr); // told, or timed out: one line either way, never a hang

        await LimitAsync(owner.Pid, limit);
        var ps = RunWith(Env, "ps", "--name", "starved");
        Assert.Equal(0, await ps.ExitCode());
        Assert.Contains(ps.Stdout, l => l.StartsWith("web.1"));
        owner.Signal("TERM");
        Assert.Equal(0, await owner.ExitCode());
    }

    private static int OpenDescriptors(int pid) => Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length;

    /// <summary>Sets a running process's soft descriptor limit (prlimit); returns the soft limit it had.</summary>
    private static async Task<int> LimitAsync(int pid, int soft)
    {
        var line = File.ReadLines($"/proc/{pid}/limits").Single(l => l.StartsWith("Max open files"));
        var fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        using var prlimit = Process.Start("prlimit", ["--pid", pid.ToString(System.Globalization.CultureInfo.InvariantCulture), $"--nofile={soft}:{fields[1]}"])!;
        await prlimit.WaitForExitAsync().WaitAsync(CliRun.Patience);
        Assert.Equal(0, prlimit.ExitCode);
        return int.Parse(fields[0], System.Globalization.CultureInfo.InvariantCulture);
    }
}
