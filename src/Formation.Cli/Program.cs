using System.CommandLine;
using Formation.Engine.Configuration;

namespace Formation.Cli;

/// <summary><c>formation</c>: a foreman-style command-line host of the Formation engine.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var shared = new CliOptions();
        var root = new RootCommand("Formation runs a twelve-factor app's process formation from a Procfile.")
        {
            StartCommand.Create(shared),
            CheckCommand.Create(shared),
            RunCommand.Create(shared),
            // Control verbs: reach a running formation through its endpoint (issue 12).
            LsCommand.Create(), PsCommand.Create(), ProcessCommands.Restart(), ProcessCommands.Stop(),
            ProcessCommands.StartProcess(), ScaleCommand.Create(), LogsCommand.Create(),
        };
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) Console.Error.WriteLine($"formation: {error.Message}");
            Console.Error.WriteLine("Run 'formation --help' for usage.");
            return ExitCodes.Usage;
        }
        try
        {
            // The engine handles SIGINT/SIGTERM/SIGHUP itself; System.CommandLine must not.
            return parse.Invoke(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false });
        }
        catch (FormationConfigException ex)
        {
            return Fail(ExitCodes.ConfigError, ex.Errors);
        }
    }

    internal static int Fail(int code, IReadOnlyList<ConfigError> errors)
    {
        foreach (var error in errors.Take(FormationConfigException.ShownErrors)) Console.Error.WriteLine($"formation: {error}");
        if (errors.Count > FormationConfigException.ShownErrors)
            Console.Error.WriteLine($"formation: ... and {errors.Count - FormationConfigException.ShownErrors} more errors.");
        return code;
    }

    internal static int Fail(int code, string message)
    {
        Console.Error.WriteLine($"formation: {message}");
        return code;
    }
}
