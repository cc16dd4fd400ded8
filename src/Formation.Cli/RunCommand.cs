using System.CommandLine;
using System.Runtime.InteropServices;
using Formation.Engine.Configuration;
using Formation.Engine.Supervision;

namespace Formation.Cli;

/// <summary><c>formation run</c>: one command with the formation's environment; returns its exit code.</summary>
internal static class RunCommand
{
    public static Command Create(CliOptions shared)
    {
        var commandArg = new Argument<string[]>("command")
        {
            Description = "The command: one argument runs through /bin/sh -c, several run as they are.",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command("run", "Run one command with the formation's environment (.env files) and return its exit code.")
        {
            commandArg, shared.Procfile, shared.EnvFiles, shared.Port, shared.Root,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(r =>
        {
            var argv = r.GetValue(commandArg)!.Concat(r.UnmatchedTokens).ToArray();
            var procfileGiven = r.GetResult(shared.Procfile) is { Implicit: false };
            var directory = procfileGiven ? Path.GetDirectoryName(Path.GetFullPath(r.GetValue(shared.Procfile)!))! : Environment.CurrentDirectory;
            IReadOnlyDictionary<string, EnvValue> env;
            try
            {
                env = FormationPlan.LoadEnvironment(shared.ToFormationOptions(r), directory);
            }
            catch (FormationConfigException ex)
            {
                return Program.Fail(ExitCodes.ConfigError, ex.Errors);
            }
            var values = env.ToDictionary(kv => kv.Key, kv => kv.Value.Value);
            if (r.GetValue(shared.Port) is { } port) values["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);

            System.Diagnostics.Process child;
            try
            {
                child = CommandRunner.Start(argv, values, r.GetValue(shared.Root) ?? directory);
            }
            catch (FormationException ex)
            {
                return Program.Fail(ExitCodes.CannotStart, ex.Message);
            }
            // The terminal sends Ctrl+C to the child itself (same process group): only outlive it.
            // SIGTERM and SIGHUP sent to this process alone are passed on.
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => c.Cancel = true);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => Forward(c, child, 15));
            using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c => Forward(c, child, 1));
            child.WaitForExit();
            return child.ExitCode;
        });
        return command;
    }

    private static void Forward(PosixSignalContext context, System.Diagnostics.Process child, int signal)
    {
        context.Cancel = true;
        try
        {
            if (!child.HasExited) Engine.Os.ProcessGroups.SignalProcess(child.Id, signal == 15 ? Engine.Os.Signals.Term : Engine.Os.Signals.Number("HUP"));
        }
        catch (InvalidOperationException)
        {
        }
    }
}
