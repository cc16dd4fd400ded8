using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Formation.Engine.Export;
using Formation.Engine.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace Formation.Engine.Tests.Export;

/// <summary>
/// Issue 19.11: the Compose healthcheck, run as Docker runs a CMD-SHELL test (<c>/bin/sh -c</c>, with the
/// container's PORT), passes against a real listener and fails with nothing listening, whatever the probe's path holds.
/// </summary>
public class ComposeHealthcheckTests : ProcessTest
{
    [Theory]
    [InlineData("/health?full=1&fast=1")]
    [InlineData("/a'b$HOME;c|d")]
    [InlineData("/x y")]
    public async Task HttpHealthcheck_PassesOnlyWhenTheWholePathIsAnswered(string path)
    {
        var command = Healthcheck($"ready: {{ http: \"{path.Replace("\\", "\\\\").Replace("\"", "\\\"")}\" }}");
        var port = FreePort();

        Assert.NotEqual(0, await RunCheck(command, port)); // nothing listens

        using var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        var served = ServeOnce(listener, path.Replace(" ", "%20"));
        Assert.Equal(0, await RunCheck(command, port));
        Assert.Equal(path.Replace(" ", "%20"), await served.WaitAsync(Patience));
    }

    [Fact]
    public async Task TcpHealthcheck_PassesOnlyWithAListener()
    {
        var command = Healthcheck("ready: { tcp: true }");
        var port = FreePort();

        Assert.NotEqual(0, await RunCheck(command, port));

        using var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        Assert.Equal(0, await RunCheck(command, port));
    }

    /// <summary>The CMD-SHELL test of web's healthcheck, as the shell receives it (Compose turns $$ into $).</summary>
    private string Healthcheck(string ready)
    {
        var options = Options("web: ./web\n", $"processes:\n  web:\n    {ready}\n");
        var result = Exporter.Export(ExportFormat.Compose, options, new ExportOptions { Image = "x:1" }, Path.Combine(Directory, "deploy"));
        var yaml = new YamlStream();
        yaml.Load(new StringReader(result.Files.Single(f => f.Name == "compose.yaml").Content));
        var test = (YamlSequenceNode)yaml.Documents[0].RootNode["services"]["web"]["healthcheck"]["test"];
        Assert.Equal("CMD-SHELL", test[0].ToString());
        return test[1].ToString().Replace("$$", "$");
    }

    private async Task<int> RunCheck(string command, int port)
    {
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(command);
        psi.Environment.Clear();
        foreach (var (k, v) in Inherited) psi.Environment[k] = v;
        psi.Environment["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var p = Process.Start(psi)!;
        var output = Task.WhenAll(p.StandardOutput.ReadToEndAsync(), p.StandardError.ReadToEndAsync());
        await p.WaitForExitAsync().WaitAsync(Patience);
        await output.WaitAsync(Patience);
        // A backgrounded part of the command (the defect: an '&' in the path) must not outlive the check.
        await LeakScanner.WaitUntilGoneAsync(Token, Patience);
        return p.ExitCode;
    }

    /// <summary>Answers one HTTP request: 200 when its target is <paramref name="expected"/>, else 404; the target it got.</summary>
    private static async Task<string> ServeOnce(TcpListener listener, string expected)
    {
        using var client = await listener.AcceptTcpClientAsync();
        using var stream = client.GetStream();
        var reader = new StreamReader(stream, Encoding.ASCII);
        var requestLine = await reader.ReadLineAsync() ?? "";
        while (!string.IsNullOrEmpty(await reader.ReadLineAsync()))
        {
        }
        var target = requestLine.Split(' ') is [_, var t, _] ? t : requestLine;
        var status = target == expected ? "200 OK" : "404 Not Found";
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
        return target;
    }
}
