namespace Formation.Cli.Tests;

/// <summary>A busy port refuses only the types that use their PORT (issue 14).</summary>
public class PortCheckCliTests : CliTest
{
    [Fact]
    public async Task Check_ShowsWhichTypesPortsAreChecked()
    {
        Write("Procfile", "web: ./server --port $PORT\nworker: ./worker\n");

        var run = Run("check", "-m", "worker=3");

        Assert.Equal(0, await run.ExitCode());
        Assert.Contains(run.Stdout, l => l.Contains("web") && l.Contains("port 5000 checked"));
        Assert.Contains(run.Stdout, l => l.Contains("worker") && l.Contains("ports 5100-5102 unused"));
    }

    [Fact]
    public async Task Start_ABusyPortOfAWorkerThatNeverListens_StartsAnyway()
    {
        Write("Procfile", "w: echo started; exec sleep 100\n");
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
            var run = Run("start", "-m", "w=3", "-p", (port - 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
            await run.UntilStdout(l => l.Contains(" w.3 ") && l.EndsWith("| started"), "w.3");
            run.Signal("INT");

            Assert.Equal(0, await run.ExitCode());
            Assert.Contains(run.Stdout, l => l.EndsWith($"port {port} for w.2 is in use by {File.ReadAllText("/proc/self/comm").Trim()} (pid {System.Environment.ProcessId}); not checked: w does not use $PORT"));
        }
        finally
        {
            listener.Stop();
        }
    }
}
