using System.Net;
using System.Net.Sockets;
using Formation.Engine.Os;

namespace Formation.Engine.Tests.Os;

/// <summary>The TCP listeners as the kernel's socket diagnostics tell them (the port check and the ready probes ask).</summary>
public class SocketDiagTests
{
    [Fact]
    public void Listeners_ListeningSocketsOfBothFamilies_AreListedWithTheirPorts()
    {
        using var v4 = new TcpListener(IPAddress.Loopback, 0);
        using var v6 = new TcpListener(IPAddress.IPv6Any, 0);
        v4.Start();
        v6.Server.DualMode = false;
        v6.Start();
        var ports = new[] { ((IPEndPoint)v4.LocalEndpoint).Port, ((IPEndPoint)v6.LocalEndpoint).Port };

        var listeners = SocketDiag.Listeners();

        Assert.NotNull(listeners);
        Assert.All(ports, port => Assert.Contains(listeners, l => l.Port == port && l.Inode > 0));
    }

    [Fact]
    public void Listeners_ClosedListener_IsNotListed()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        Assert.DoesNotContain(SocketDiag.Listeners()!, l => l.Port == port);
    }

    [Fact]
    public void PortOwners_PortHeldByThisProcess_NamesThisProcess()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        var owners = PortOwners.Find([port]);

        Assert.EndsWith($"(pid {Environment.ProcessId})", owners[port]);
    }
}
