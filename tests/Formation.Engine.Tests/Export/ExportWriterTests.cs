using Formation.Engine.Configuration;
using Formation.Engine.Export;

namespace Formation.Engine.Tests.Export;

/// <summary>
/// Issue 19.7: an export into a folder others can write to (a shared output directory) never writes through a
/// symbolic link planted there, and never into another user's file.
/// </summary>
public class ExportWriterTests
{
    private const string Secret = "s3cr3t-value-19";

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Write_LinkPlantedAsAnOutputFile_IsAnErrorNamingIt_EvenWithForce(bool targetExists)
    {
        using var app = new ExportFixture("web: w\n", $"env: {{ DB_PASSWORD: {Secret} }}\n");
        var dir = app.Output(ExportFormat.Systemd);
        Directory.CreateDirectory(dir);
        var victim = Path.Combine(app.Root, "victim.txt");
        if (targetExists) File.WriteAllText(victim, "theirs\n");
        var link = Path.Combine(dir, "app-web.env");
        File.CreateSymbolicLink(link, victim);

        var ex = Assert.Throws<FormationConfigException>(() => ExportWriter.Write(app.Export(ExportFormat.Systemd), dir, force: true));

        var error = Assert.Single(ex.Errors);
        Assert.Equal(link, error.File);
        Assert.StartsWith($"is a symbolic link (to {victim}): not followed, even with --force.", error.Message);
        Assert.Equal(targetExists, File.Exists(victim));
        if (targetExists) Assert.Equal("theirs\n", File.ReadAllText(victim));
        Assert.Equal([link], Directory.GetFileSystemEntries(dir)); // nothing else was written either
    }

    [SkippableFact]
    public void Write_AnotherUsersFileWithForce_IsReplaced_NeverWrittenThrough()
    {
        Skip.IfNot(Environment.UserName == "root", "Only root can give a file to another user (chown); run as root to test this.");
        using var app = new ExportFixture("web: w\n", $"env: {{ DB_PASSWORD: {Secret} }}\n");
        var dir = app.Output(ExportFormat.Systemd);
        Directory.CreateDirectory(dir);
        var theirs = Path.Combine(dir, "app-web.env");
        File.WriteAllText(theirs, "theirs\n");
        File.SetUnixFileMode(theirs, (UnixFileMode)0x1B6); // 0666
        Chown(theirs, 4242);
        var kept = Path.Combine(app.Root, "their-handle");
        Assert.Equal(0, Link(theirs, kept)); // what the other user still holds: the old inode

        ExportWriter.Write(app.Export(ExportFormat.Systemd), dir, force: true);

        Assert.Equal("theirs\n", File.ReadAllText(kept));
        Assert.Contains(Secret, File.ReadAllText(theirs));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(theirs));
        Assert.Equal(0, Owner(theirs));
    }

    [Fact]
    public void Write_KeepsTheModeOfEachKind_WhateverTheUmask()
    {
        using var app = new ExportFixture("web: w\n", $"env: {{ DB_PASSWORD: {Secret} }}\n");
        var written = app.Write(ExportFormat.Systemd);
        foreach (var path in written)
            Assert.Equal(path.EndsWith(".env", StringComparison.Ordinal) ? (UnixFileMode)0x180 : (UnixFileMode)0x1A4, File.GetUnixFileMode(path));
        Assert.DoesNotContain(Directory.GetFileSystemEntries(app.Output(ExportFormat.Systemd)), p => p.EndsWith(".tmp", StringComparison.Ordinal));
    }

    private static void Chown(string path, int uid) => Assert.Equal(0, chown(path, uid, uid));

    private static long Owner(string path)
    {
        var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%u", path]) { RedirectStandardOutput = true })!;
        var text = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return long.Parse(text.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int chown(string path, int owner, int group);

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true, EntryPoint = "link")]
    private static extern int Link(string existing, string created);
}
