using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using Formation.Engine;
using Formation.Engine.Configuration;
using Formation.Engine.Os;

namespace Formation.Cli;

/// <summary>
/// <c>formation run</c>, as foreman's: <c>run TYPE [ARGS]</c> runs the Procfile's command for TYPE (ARGS appended)
/// with that type's environment and PORT; <c>run CMD</c> runs any command with the formation's environment.
/// Returns the command's exit code, or 127 with one line when it cannot start.
/// </summary>
internal static class RunCommand
{
    public static Command Create(CliOptions shared)
    {
        var commandArg = new Argument<string[]>("command")
        {
            Description = "A process type of the Procfile (its command runs, with ARGS appended), or a command: one argument runs through /bin/sh -c, several run as they are.",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command("run", "Run a process type's command, or any command, with the formation's environment and return its exit code.")
        {
            commandArg, shared.Procfile, shared.Config, shared.EnvFiles, shared.Port, shared.Root,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(r =>
        {
            var argv = r.GetValue(commandArg)!.Concat(r.UnmatchedTokens).ToArray();
            var procfileGiven = r.GetResult(shared.Procfile) is { Implicit: false };
            var procfilePath = Path.GetFullPath(r.GetValue(shared.Procfile)!);
            var types = Procfile.TryReadTypeNames(procfilePath);
            try
            {
                return types?.Contains(argv[0]) == true
                    ? RunType(shared, r, argv)
                    : RunCommandLine(shared, r, argv, procfileGiven ? Path.GetDirectoryName(procfilePath)! : Environment.CurrentDirectory, types, procfilePath);
            }
            catch (FormationConfigException ex)
            {
                return Program.Fail(ExitCodes.ConfigError, ex.Errors);
            }
        });
        return command;
    }

    /// <summary><c>formation run web [ARGS]</c>: web's command with web.1's environment (formation.yml's env, PORT) in its directory.</summary>
    private static int RunType(CliOptions shared, ParseResult r, string[] argv)
    {
        var plan = FormationPlan.Create(shared.ToFormationOptions(r));
        var type = plan.Procfile.Find(argv[0])!;
        var line = argv.Length == 1 ? type.Command : type.Command + " " + string.Join(" ", argv.Skip(1).Select(ShellQuoting.Quote));
        return Run([line], plan.EnvironmentFor(type, 1), plan.Settings(type).WorkingDirectory, null);
    }

    /// <summary><c>formation run CMD</c>: the inherited environment, then .env files, then -p as PORT.</summary>
    private static int RunCommandLine(CliOptions shared, ParseResult r, string[] argv, string directory, IReadOnlyCollection<string>? types, string procfile)
    {
        var env = FormationPlan.LoadEnvironment(shared.ToFormationOptions(r), directory);
        var values = env.ToDictionary(kv => kv.Key, kv => kv.Value.Value);
        if (r.GetValue(shared.Port) is { } port) values["PORT"] = port.ToString(CultureInfo.InvariantCulture);
        var notAType = types is null ? null : $"'{argv[0]}' is neither a process type of {procfile} ({string.Join(", ", types)}) nor a command on PATH";
        return Run(argv, values, r.GetValue(shared.Root) ?? directory, notAType);
    }

    private static int Run(IReadOnlyList<string> argv, IReadOnlyDictionary<string, string> environment, string directory, string? notFound)
    {
        if (!Directory.Exists(directory))
            return Program.Fail(ExitCodes.RunCouldNotStart, $"working directory '{directory}' does not exist");
        // One argument is a shell command line; several are an argument vector whose first is the program.
        var program = argv.Count == 1 ? argv[0] : CommandProbe.FirstWord(argv[0]) == argv[0] ? argv[0] : null;
        if (program is not null && CommandProbe.Check(program, directory, environment) is { Problem: { } problem } probe)
            return Program.Fail(ExitCodes.RunCouldNotStart, probe.ExitCode == SpawnException.NotFound && notFound is not null ? notFound : problem);

        System.Diagnostics.Process child;
        try
        {
            child = CommandRunner.Start(argv, environment, directory);
        }
        catch (FormationException ex)
        {
            var reason = ex.InnerException is System.ComponentModel.Win32Exception { NativeErrorCode: var errno } ? Native.ErrorText(errno) : ex.Message;
            return Program.Fail(ExitCodes.RunCouldNotStart, $"cannot start '{argv[0]}': {reason}");
        }
        // The terminal sends Ctrl+C to the child itself (same process group): only outlive it.
        // SIGTERM and SIGHUP sent to this process alone are passed on.
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => c.Cancel = true);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => Forward(c, child, Signals.Term));
        using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c => Forward(c, child, Signals.Number("HUP")));
        child.WaitForExit();
        return child.ExitCode;
    }

    private static void Forward(PosixSignalContext context, System.Diagnostics.Process child, int signal)
    {
        context.Cancel = true;
        try
        {
            if (!child.HasExited) ProcessGroups.SignalProcess(child.Id, signal);
        }
        catch (InvalidOperationException)
        {
        }
    }
}
