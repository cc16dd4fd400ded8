using System.CommandLine;
using Formation.Engine.Output;

namespace Formation.Cli;

/// <summary><c>formation logs</c>: the last lines of each process of a running formation, then (with -f) new ones until it ends.</summary>
internal static class LogsCommand
{
    public static Command Create()
    {
        var target = new ControlTarget(shortProcfile: false);
        var names = new Argument<string[]>("name") { Description = "Instances (web.1), types (web) or system; all when none.", Arity = ArgumentArity.ZeroOrMore };
        var lines = new Option<int>("--lines", "-n")
        {
            Description = "How many buffered lines to show per process (0 for none).",
            DefaultValueFactory = _ => 100,
            HelpName = "N",
        };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep writing new lines until the formation ends (Ctrl+C to stop reading)." };
        var command = target.Add(new Command("logs", "Show the buffered output of a running formation's processes, and follow it.") { names, lines, follow });
        command.SetAction(r =>
        {
            if (r.GetValue(lines) < 0) return Program.Fail(ExitCodes.Usage, $"Invalid line count {r.GetValue(lines)}: use 0 or more.");
            return target.Run(r, async (client, token) =>
            {
                var processes = await client.GetProcessesAsync(token);
                var colour = !Console.IsOutputRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
                    && Environment.GetEnvironmentVariable("TERM") != "dumb";
                var writer = new ConsoleLogWriter(Console.OpenStandardOutput(),
                    new LogFormatter(processes.Select(p => p.Name), timestamps: true, colour));
                var given = r.GetValue(names) is { Length: > 0 } n ? n : null;
                try
                {
                    await foreach (var line in client.GetLogAsync(given, r.GetValue(lines), r.GetValue(follow), token))
                    {
                        writer.Formatter.Widen([line.Process]);
                        writer.Write(line);
                        writer.Flush();
                    }
                }
                finally
                {
                    writer.Flush();
                }
                return ExitCodes.Success;
            });
        });
        return command;
    }
}
