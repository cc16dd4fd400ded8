using System.Net;
using System.Net.Sockets;
using Formation.Engine.Supervision;
using Formation.Engine.Tests.Support;

namespace Formation.Engine.Tests.Supervision;

/// <summary>The supervisor's loop and edges with real processes: the defects the single loop and the one policy fixed.</summary>
public class SupervisorTests : ProcessTest
{
    [Fact]
    public async Task RestartAfterBackoffThatFailsToSpawn_EndsTheFormation()
    {
        // The first run deletes its own working directory: the restart after the backoff cannot spawn.
        var dir = System.IO.Directory.CreateDirectory(Path.Combine(Directory, "app")).FullName;
        var f = Create(Options("web: rmdir \"$PWD\"; echo gone; exit 1\n", $"processes:\n  web: {{ working_dir: '{dir}' }}\n"));
        var events = new Events(f);

        f.Start();
        var result = await f.Completion.WaitAsync(Patience);

        Assert.Contains(events.SystemLines, l => l.Line.StartsWith("web.1 could not start: ", StringComparison.Ordinal));
        Assert.Equal((OutcomeCause.CouldNotStart, FormationOutcome.CouldNotStartExitCode), (result.Cause, result.ExitCode));
        Assert.Equal(ProcessState.Failed, f.GetProcess("web.1")!.State);
    }

    [Fact]
    public async Task AStalledSubscriberOfOneFormation_DoesNotStallAnotherFormationsOutput()
    {
        const int Lines = 1_000_000;
        var slow = Create(Options($"flood: seq 1 {Lines}; exec sleep 100\n") with { Name = "slow-" + Token[^6..] });
        var fast = Create(Options("talk: sleep 2; echo hello; exec sleep 100\n") with { Name = "fast-" + Token[^6..] });
        using var stall = new ManualResetEventSlim(false);
        var seen = new List<string>();
        var stalledOnce = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        slow.Output += (_, line) =>
        {
            if (line.Process != "flood.1") return;
            seen.Add(line.Line);
            stalledOnce.TrySetResult();
            stall.Wait();
        };
        var fastEvents = new Events(fast);

        slow.Start();
        await stalledOnce.Task.WaitAsync(Patience);
        fast.Start();
        try
        {
            await fastEvents.UntilLine("talk.1", "hello");
        }
        finally
        {
            stall.Set();
        }

        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        slow.Output += (_, line) =>
        {
            if (line.Process == "flood.1" && line.Line == Lines.ToString(System.Globalization.CultureInfo.InvariantCulture)) all.TrySetResult();
        };
        if (seen.Count < Lines) await all.Task.WaitAsync(Patience);
        Assert.Equal(Enumerable.Range(1, Lines).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), seen);
    }

    [Fact]
    public async Task APathologicalReadyPattern_DoesNotDelayOutput()
    {
        var evil = new string('a', 40) + "!";
        var f = Create(Options($"slow: for i in 1 2 3 4 5 6 7 8 9 10; do echo {evil}; done; echo marker; exec sleep 100\ntalk: echo hello; exec sleep 100\n",
            "processes:\n  slow: { ready: { output: '^(a+)+$' }, ready_timeout: 5s }\n"));
        var events = new Events(f);

        f.Start();
        await events.UntilLine("slow.1", "marker");
        await events.UntilLine("talk.1", "hello");

        Assert.DoesNotContain(events.SystemLines, l => l.Line.StartsWith("slow.1 not ready", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ATcpProbeAnsweredByAnotherProcess_DoesNotMakeTheInstanceReady()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var f = Create(Options("web: echo PORT=$PORT; exec sleep 100\n", "processes:\n  web: { ready: { tcp: true }, ready_timeout: 2s }\n")
                with { Port = port, Force = true });
            var events = new Events(f);

            f.Start();
            var failure = await Assert.ThrowsAsync<FormationFailedException>(() => f.WhenReadyAsync().WaitAsync(Patience));

            Assert.StartsWith("web.1 not ready within", failure.Message);
            Assert.DoesNotContain(events.Changes, c => c.Process.State == ProcessState.Ready);
            Assert.Contains(events.SystemLines, l => l.Line.StartsWith($"web.1: port {port} answers, but ", StringComparison.Ordinal));
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public async Task ABusyPort_OfATypeThatDoesNotUseIt_DoesNotRefuseTheStart()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var f = Create(Options("w: exec sleep 100\n") with { Port = port, Scale = new Dictionary<string, int> { ["w"] = 3 } });
            var events = new Events(f);

            f.Start();
            await events.UntilState("w.3", ProcessState.Running);

            Assert.Single(events.SystemLines, l => l.Line.Contains($"{port} for w.1") && l.Line.Contains("not checked: w"));
            Assert.Throws<PortInUseException>(() => Start(Options("web: exec server --port $PORT\n") with { Port = port, Name = "other" }));
        }
        finally
        {
            listener.Stop();
        }
    }
}
