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
            ExportCommand.Create(shared),
            // Control verbs: reach a running formation through its endpoint (issue 12).
            LsCommand.Create(), PsCommand.Create(), ProcessCommands.Restart(), ProcessCommands.Stop(),
            ProcessCommands.StartProcess(), ScaleCommand.Create(), LogsCommand.Create(), ReloadCommand.Create(),
        };
        // A bare 'formation' shows the help, as foreman and honcho do.
        var parse = root.Parse(args.Length == 0 ? ["--help"] : args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) Console.Error.WriteLine($"formation: {Sentence(error.Message)}");
            var command = parse.CommandResult.Command is RootCommand ? "formation" : $"formation {parse.CommandResult.Command.Name}";
            Console.Error.WriteLine($"Run '{command} --help' for usage.");
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
        foreach (var error in errors.Take(FormationConfigException.ShownErrors)) Console.Error.WriteLine($"formation: {Sentence(error.ToString())}");
        if (errors.Count > FormationConfigException.ShownErrors)
            Console.Error.WriteLine($"formation: ... and {errors.Count - FormationConfigException.ShownErrors} more errors.");
        return code;
    }

    internal static int Fail(int code, string message)
    {
        Console.Error.WriteLine($"formation: {Sentence(message)}");
        return code;
    }

    /// <summary>
    /// A message as one sentence: its first line ends with exactly one full stop (or another end mark).
    /// Lines after the first (the offending line, a process's last output) are kept as they are.
    /// </summary>
    internal static string Sentence(string message)
    {
        var end = message.IndexOf('\n');
        var first = (end < 0 ? message : message[..end]).TrimEnd();
        var rest = end < 0 ? "" : message[end..];
        first = first.TrimEnd('.');
        if (first.Length > 0 && first[^1] is not ('?' or '!' or ':')) first += ".";
        return first + rest;
    }
}
