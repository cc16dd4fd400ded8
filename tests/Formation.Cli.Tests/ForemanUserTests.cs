namespace Formation.Cli.Tests;

/// <summary>What foreman and honcho users type, and what they expect back: exit codes, flags, messages.</summary>
public class ForemanUserTests : CliTest
{
    [Fact]
    public async Task Start_ACommandNotFound_StoppedWithInterrupt_ExitsFiveAndSaysWhy()
    {
        Write("Procfile", "ok: echo up; exec sleep 1000\ntypo: rials server\n");
        var run = Run("start", "-p", "17320");
        await run.UntilStdout(l => l.EndsWith("typo.1 could not start: command not found: 'rials' (searched PATH=" + Environment["PATH"] + ")"), "the failed start");
        await run.UntilStdout(l => l.EndsWith("| up"), "ok.1");

        run.Signal("INT");

        Assert.Equal(5, await run.ExitCode());
        Assert.Equal([$"formation: typo.1 could not start: command not found: 'rials' (searched PATH={Environment["PATH"]})."], run.Stderr);
    }

    [Fact]
    public async Task Start_AProcessGaveUpRestarting_StoppedWithInterrupt_ExitsThree()
    {
        Write("Procfile", "ok: echo up; exec sleep 1000\ncrash: exit 3\n");
        Write("formation.yml", "processes:\n  crash: { max_restarts: 1 }\n");
        var run = Run("start", "-p", "17330");
        await run.UntilStdout(l => l.Contains("crash.1 ended 1 time within"), "crash.1 to give up");
        await run.UntilStdout(l => l.EndsWith("| up"), "ok.1");

        run.Signal("INT");

        Assert.Equal(3, await run.ExitCode());
        Assert.Single(run.Stderr);
        Assert.StartsWith("formation: crash.1 ended 1 time within 1 min (last exited with code 3); not restarting it.", run.Stderr[0]);
    }

    [Fact]
    public async Task Start_ExitOnError_ACommandNotFound_KeepsTheShellsCode()
    {
        Write("Procfile", "ok: exec sleep 1000\ntypo: rials server\n");

        var run = Run("start", "--exit-on-error", "-p", "17340");

        Assert.Equal(127, await run.ExitCode());
        Assert.Contains(run.Stderr, l => l.StartsWith("formation: typo.1 could not start: command not found: 'rials'"));
    }

    [Fact]
    public async Task Start_TaskFails_EveryMessageEndsWithOneFullStop()
    {
        Write("Procfile", "release: echo migrating; exit 2\nweb: exec sleep 1000\n");
        Write("formation.yml", "processes:\n  release: { task: true }\n  web: { after: [release] }\n");

        var run = Run("start", "-p", "17350");

        Assert.Equal(2, await run.ExitCode());
        Assert.Equal("formation: task release.1 exited with code 2.", run.Stderr[0]);
        Assert.Contains(run.Stdout, l => l.EndsWith("system    | start failed: task release.1 exited with code 2; stopping the formation"));
        Assert.DoesNotContain(run.Stdout.Concat(run.Stderr), l => l.Contains(".;") || l.EndsWith(".."));
    }

    [Fact]
    public async Task Run_ProcessType_RunsItsCommandWithItsEnvironmentPortAndArgs()
    {
        Write("Procfile", "release: ./migrate\nweb: printf '%s|' \"$PORT\" \"$PS\" \"$GREETING\" \"$SIZE\"; echo\n");
        Write("formation.yml", "processes:\n  web: { env: { SIZE: large } }\n");
        Write(".env", "GREETING=\"hi there\"\n");

        var run = Run("run", "-p", "7000", "web", "extra arg", "it's");

        Assert.Equal(0, await run.ExitCode());
        Assert.Equal(["7100|web.1|hi there|large|extra arg it's"], run.Stdout);
    }

    [Fact]
    public async Task Run_NeitherATypeNorACommand_OneLineAnd127()
    {
        Write("Procfile", "web: ./web\nworker: ./worker\n");

        var run = Run("run", "wbe");

        Assert.Equal(127, await run.ExitCode());
        Assert.Equal([$"formation: 'wbe' is neither a process type of {Path.Combine(Dir, "Procfile")} (web, worker) nor a command on PATH."], run.Stderr);
    }

    [Fact]
    public async Task Run_ArgumentVectorWithAMissingProgram_OneLineAnd127()
    {
        var run = Run("run", "no-such-program-xyz", "arg");

        Assert.Equal(127, await run.ExitCode());
        Assert.Equal([$"formation: command not found: 'no-such-program-xyz' (searched PATH={Environment["PATH"]})."], run.Stderr);
    }

    [Theory]
    [InlineData("-c")]
    [InlineData("--concurrency")]
    public async Task Start_HonchoConcurrencyFlag_IsTheFormation(string flag)
    {
        Write("Procfile", "web: echo \"$PS up\"\n");

        var run = Run("start", flag, "web=2", "--restart", "never", "-p", "17360");

        Assert.Equal(0, await run.ExitCode());
        Assert.Contains(run.Stdout, l => l.EndsWith("| web.2 up"));
    }

    [Fact]
    public async Task Start_TimeoutNotANumber_SaysUseSeconds()
    {
        Write("Procfile", "web: ./web\n");

        var run = Run("start", "-t", "abc");

        Assert.Equal(2, await run.ExitCode());
        Assert.Equal("formation: Invalid timeout 'abc' for -t/--timeout: use a duration from 0 to 24h such as 500ms, 5s, 2m, 1h or plain seconds.", run.Stderr[0]);
        Assert.DoesNotContain(run.Stderr, l => l.Contains("System."));
    }

    [Theory]
    [InlineData("--restart", "bogus", "Invalid restart policy 'bogus' for --restart: use never, on-failure or always.")]
    [InlineData("--signal", "FOO", "Invalid stop signal 'FOO' for --signal: use TERM, INT, QUIT, HUP, USR1, USR2 or KILL.")]
    [InlineData("-p", "http", "Invalid port 'http' for -p/--port: use a whole number from 1 to 65535.")]
    public async Task Start_AValueOfTheWrongKind_OneLineSaysWhatToWrite(string option, string value, string message)
    {
        Write("Procfile", "web: ./web\n");

        var run = Run("start", option, value);

        Assert.Equal(2, await run.ExitCode());
        Assert.Equal(["formation: " + message, "Run 'formation start --help' for usage."], run.Stderr);
    }

    [Fact]
    public async Task Start_HonchoNoColour_SaysWhatToUse()
    {
        Write("Procfile", "web: ./web\n");

        var run = Run("start", "--no-colour");

        Assert.Equal(2, await run.ExitCode());
        Assert.Equal("formation: Unrecognized option '--no-colour': use --color never. Run 'formation start --help' for usage.", run.Stderr[0]);
    }

    [Fact]
    public async Task Bare_PrintsTheHelp_ExitZero()
    {
        var run = Run();

        Assert.Equal(0, await run.ExitCode());
        Assert.Contains(run.Stdout, l => l.StartsWith("Usage:"));
        Assert.Contains(run.Stdout, l => l.TrimStart().StartsWith("start"));
        Assert.Empty(run.Stderr);
    }

    [Fact]
    public async Task Start_ColorAlways_EachInstanceHasItsOwnColour_PaddedToSystem()
    {
        Write("Procfile", "a: echo \"$PS\"\n");

        var run = Run("start", "-m", "a=2", "--restart", "never", "--no-timestamp", "--color", "always", "-p", "17370");

        Assert.Equal(0, await run.ExitCode());
        Assert.Contains("\e[36ma.1    | \e[0ma.1", run.Stdout);
        Assert.Contains("\e[33ma.2    | \e[0ma.2", run.Stdout);
        Assert.Contains(run.Stdout, l => l.StartsWith("\e[1msystem | \e[0m"));
    }

    [Theory]
    [InlineData("web=-1")]
    [InlineData("web=abc")]
    public async Task Start_FormationNamesAnUnknownTypeWithABadCount_ReportsTheUnknownType(string formation)
    {
        Write("Procfile", "api: ./api\nworker: ./worker\n");

        var run = Run("start", "-m", formation);

        Assert.Equal(1, await run.ExitCode());
        Assert.Equal(["formation: Unknown process type 'web' in the formation. Valid types: api, worker (or 'all')."], run.Stderr);
    }

    [Fact]
    public async Task Start_NoProcfileAndABadFormation_ReportsTheMissingProcfileFirst()
    {
        var run = Run("start", "-m", "web=abc");

        Assert.Equal(1, await run.ExitCode());
        Assert.Equal([$"formation: No Procfile found at '{Path.Combine(Dir, "Procfile")}'. Create one (lines of 'type: command') or name another with -f/--procfile."], run.Stderr);
    }
}
