using System.Diagnostics;
using Formation.Engine.Control;

namespace Formation.Engine.Tests.Control;

/// <summary>
/// The control directory against files another user planted: real links, real files of another uid (root
/// makes them with chown), and a formation that must neither follow nor truncate them.
/// </summary>
public class ControlDirectoryTests : EndpointTest
{
    private const string Secret = "another file's contents\n";

    [Fact]
    public void Open_InADirectoryOthersCouldWrite_WithALockLinkAnotherUserPlanted_IsRefusedAndTruncatesNothing()
    {
        if (PeerCredentials.CurrentUid != 0) return; // needs root to plant a file as another user
        var dir = ControlDirectoryForTest();
        File.SetUnixFileMode(dir, (UnixFileMode)0x1FF); // 0777, by mistake
        var victim = Write("victim.txt", Secret);
        var f = Create(Options($"web: {Loop}\n"));
        var planted = ControlDirectory.LockPath(ControlDirectory.SocketPath(f.Name, dir));
        File.CreateSymbolicLink(planted, victim);
        Chown(planted, 65534);

        var error = Assert.Throws<FormationException>(() => ControlEndpoint.Open(f, dir));

        Assert.Contains("was writable by other users (mode 777)", error.Message);
        Assert.Contains($"'{Path.GetFileName(planted)}'", error.Message);
        Assert.Equal(Secret, File.ReadAllText(victim));
        Assert.Equal((UnixFileMode)0x1C0, File.GetUnixFileMode(dir)); // closed first, then searched
        Assert.True(File.Exists(planted)); // left for the user to look at, never written through
    }

    [Fact]
    public void Open_WithALockFileThatIsALink_NeverFollowsIt()
    {
        var dir = ControlDirectoryForTest();
        var victim = Write("victim.txt", Secret);
        var f = Create(Options($"web: {Loop}\n"));
        File.CreateSymbolicLink(ControlDirectory.LockPath(ControlDirectory.SocketPath(f.Name, dir)), victim);

        var error = Assert.Throws<FormationException>(() => ControlEndpoint.Open(f, dir));

        Assert.Contains("is a symbolic link", error.Message);
        Assert.Equal(Secret, File.ReadAllText(victim));
        Assert.False(File.Exists(ControlDirectory.SocketPath(f.Name, dir)));
    }

    [Fact]
    public void Open_WithALockFileOfAnotherUser_IsRefused()
    {
        if (PeerCredentials.CurrentUid != 0) return;
        var dir = ControlDirectoryForTest();
        var f = Create(Options($"web: {Loop}\n"));
        var planted = ControlDirectory.LockPath(ControlDirectory.SocketPath(f.Name, dir));
        File.WriteAllText(planted, Secret);
        Chown(planted, 65534);

        var error = Assert.Throws<FormationException>(() => ControlEndpoint.Open(f, dir));

        Assert.Contains("belongs to uid 65534", error.Message);
        Assert.Equal(Secret, File.ReadAllText(planted));
    }

    [Fact]
    public async Task Listing_AStaleSocketWhoseLockIsALink_RemovesNothingAndFollowsNothing()
    {
        var dir = ControlDirectoryForTest();
        var victim = Write("victim.txt", Secret);
        var socketPath = ControlDirectory.SocketPath("ghost", dir);
        using (var dead = Process.Start("/usr/bin/python3", ["-c", $"import socket; socket.socket(socket.AF_UNIX).bind('{socketPath}')"]))
            await dead.WaitForExitAsync().WaitAsync(Patience);
        File.CreateSymbolicLink(ControlDirectory.LockPath(socketPath), victim);

        var listing = await RunningFormations.ListAsync(dir).WaitAsync(Patience);

        Assert.Empty(listing.Gone);
        Assert.Single(listing.Errors);
        Assert.Equal(Secret, File.ReadAllText(victim));
        Assert.True(File.Exists(victim));
    }

    [Fact]
    public void Open_InADirectoryOthersCouldWrite_ThatHoldsOnlyOurFiles_MakesItPrivateAndOpens()
    {
        var dir = ControlDirectoryForTest();
        File.SetUnixFileMode(dir, (UnixFileMode)0x1FF);
        var f = Start(Options($"web: {Loop}\n"));

        var endpoint = ControlEndpoint.Open(f, dir);

        Assert.Equal((UnixFileMode)0x1C0, File.GetUnixFileMode(dir));
        Assert.True(File.Exists(endpoint.SocketPath));
    }

    private static void Chown(string path, int uid)
    {
        using var chown = Process.Start("chown", ["-h", $"{uid}:{uid}", path])!;
        chown.WaitForExit();
        Assert.Equal(0, chown.ExitCode);
    }
}
