using System.Diagnostics;
using System.Text;
using Formation.Engine.Configuration;

namespace Formation.Engine.Tests.Configuration;

/// <summary>Odd and hostile configuration input (issue 11.5, 11.8, 11.9, 11.10, 11.11): a clear error, never a hang or a crash.</summary>
public sealed class ConfigInputTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private readonly string _dir = Directory.CreateTempSubdirectory("formation-input-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text, new UTF8Encoding(false));
        return path;
    }

    private FormationOptions Options(string procfile, string[]? env = null, string? config = null) => new()
    {
        Procfile = procfile, EnvFiles = env ?? [], Config = config ?? "", InheritedEnvironment = new Dictionary<string, string>(),
    };

    /// <summary>Runs a load off the test thread, bounded: a load that blocks fails the test instead of hanging it.</summary>
    private static async Task<FormationConfigException> RefusedWithin(Func<object> load, Action unblock)
    {
        var task = Task.Run(load);
        try
        {
            await task.WaitAsync(Bound);
        }
        catch (TimeoutException)
        {
            unblock();
            Assert.Fail("the load blocked");
        }
        catch (FormationConfigException ex)
        {
            return ex;
        }
        Assert.Fail("the load succeeded");
        return null!;
    }

    private string MakeFifo(string name)
    {
        var path = Path.Combine(_dir, name);
        using var p = Process.Start("mkfifo", [path])!;
        Assert.True(p.WaitForExit(Bound), "mkfifo hung");
        Assert.Equal(0, p.ExitCode);
        return path;
    }

    /// <summary>Opening the FIFO for writing releases a reader blocked in open().</summary>
    private static void Unblock(string fifo)
    {
        using var w = new FileStream(fifo, FileMode.Open, FileAccess.Write);
    }

    [Fact]
    public async Task ProcfileThatIsAFifo_IsRefused_NotReadForever()
    {
        var fifo = MakeFifo("Procfile");
        var ex = await RefusedWithin(() => FormationPlan.Create(Options(fifo)), () => Unblock(fifo));
        Assert.Equal($"{fifo}: This is a FIFO (named pipe), not a regular file: a Procfile must be a file. " +
                     "Create one (lines of 'type: command') or name another with -f/--procfile.", ex.Message);
    }

    [Fact]
    public async Task EnvFileThatIsAFifo_IsRefused()
    {
        var fifo = MakeFifo("fifo.env");
        var ex = await RefusedWithin(() => FormationPlan.Create(Options(Write("Procfile", "web: sleep 1\n"), [fifo])), () => Unblock(fifo));
        Assert.Contains($"{fifo}: This is a FIFO (named pipe), not a regular file: a .env file must be a file.", ex.Message);
    }

    [Fact]
    public async Task DevZeroAsProcfile_IsRefused_WithoutReadingIt()
    {
        var ex = await RefusedWithin(() => Procfile.Load("/dev/zero"), () => { });
        Assert.StartsWith("/dev/zero: This is a character device, not a regular file", ex.Message);
    }

    [Fact]
    public void DirectoryAsProcfile_SaysItIsADirectory()
    {
        var ex = Assert.Throws<FormationConfigException>(() => Procfile.Load(_dir));
        Assert.StartsWith($"{_dir}: This is a directory, not a Procfile: name the file itself.", ex.Message);
        Assert.DoesNotContain("denied", ex.Message);
    }

    [Fact]
    public void FileOverOneMebibyte_IsRefused()
    {
        var path = Write("Procfile", "web: sleep 1\n" + new string('#', ConfigFile.MaxBytes));
        var ex = Assert.Throws<FormationConfigException>(() => Procfile.Load(path));
        Assert.Equal($"{path}: The Procfile is larger than 1 MiB, the most Formation reads: is this the right file?", ex.Message);
    }

    [Fact]
    public void WorkingDirectoryThatIsAFile_SaysSo()
    {
        var ex = Assert.Throws<FormationConfigException>(() => FormationPlan.Create(Options(Write("Procfile", "web: sleep 1\n")) with { WorkingDirectory = "/etc/passwd" }));
        Assert.Equal("Working directory '/etc/passwd' is a file, not a directory. Pass a directory with -d.", ex.Message);
    }

    [Fact]
    public void NulByteInAProcfileCommand_IsAnErrorWithItsLine()
    {
        var ex = Assert.Throws<FormationConfigException>(() => Procfile.Parse("web: sleep 1\nworker: echo a\0b\n", "Procfile"));
        var error = Assert.Single(ex.Errors);
        Assert.Equal((2, 15), (error.Line, error.Column));
        Assert.StartsWith("The line holds a NUL byte", error.Message);
    }

    [Fact]
    public void NulByteInADotEnvLine_IsAnErrorWithItsLine()
    {
        var ex = Assert.Throws<FormationConfigException>(() => DotEnv.Parse("A=1\nB=x\0y\n", ".env", _ => null));
        Assert.Equal(2, Assert.Single(ex.Errors).Line);
    }

    [Fact]
    public void NulByteInFormationYml_IsAnErrorWithItsLine()
    {
        var procfile = Procfile.Parse("web: sleep 1\n", "Procfile");
        var ex = Assert.Throws<FormationConfigException>(() => FormationConfig.Parse("name: a\0b\n", "formation.yml", procfile));
        Assert.Equal(1, Assert.Single(ex.Errors).Line);
    }

    [Fact]
    public void DotEnvExpansionBomb_StopsAtTheValueBound_WithItsLine()
    {
        var text = new StringBuilder("A0=xxxxxxxxxxxxxxxx\n");
        for (var i = 1; i <= 30; i++) text.Append($"A{i}=${{A{i - 1}}}${{A{i - 1}}}\n");
        var before = GC.GetAllocatedBytesForCurrentThread();

        var ex = Assert.Throws<FormationConfigException>(() => DotEnv.Parse(text.ToString(), ".env", _ => null));

        var error = Assert.Single(ex.Errors);
        Assert.Equal(15, error.Line);
        Assert.Contains("longer than 128 KiB", error.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64L << 20, "the bomb allocated more than 64 MiB");
    }

    [Fact]
    public void DotEnvParseError_MasksTheValueOfASecretName()
    {
        var ex = Assert.Throws<FormationConfigException>(() =>
            DotEnv.Parse("SECRET_KEY=\"s3cr3t-value\nAPI_TOKEN=${not s3cr3t}\n", ".env", _ => null));
        Assert.DoesNotContain("s3cr3t", ex.Message);
        Assert.Contains("SECRET_KEY=********", ex.Message);
    }

    [Fact]
    public void FormationYmlError_MasksTheValueOfASecretName()
    {
        var procfile = Procfile.Parse("web: sleep 1\n", "Procfile");
        var ex = Assert.Throws<FormationConfigException>(() => FormationConfig.Parse("env:\n  DB_PASSWORD: \"hunter2\n", "formation.yml", procfile));
        Assert.DoesNotContain("hunter2", ex.Message);
    }

    [Fact]
    public void TypesThatDifferOnlyByCase_AreAnErrorWithTheLine()
    {
        var ex = Assert.Throws<FormationConfigException>(() => Procfile.Parse("web: sleep 1\nWeb: sleep 2\n", "Procfile"));
        var error = Assert.Single(ex.Errors);
        Assert.Equal(2, error.Line);
        Assert.Equal("Process type 'Web' differs from 'web' (line 1) only by case. Give each type a name that differs in more than case.", error.Message);
    }
}
