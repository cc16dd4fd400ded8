using System.CommandLine;
using Formation.Engine;
using Formation.Engine.Configuration;
using Formation.Engine.Control;
using Formation.Engine.Os;
using Formation.Engine.Output;
using Formation.Engine.Supervision;

namespace Formation.Cli;

/// <summary><c>formation start</c>: runs the formation in the foreground until it ends or is stopped.</summary>
internal static class StartCommand
{
    public static Command Create(CliOptions shared)
    {
        var types = new Argument<string[]>("type") { Description = "Run only these process types.", Arity = ArgumentArity.ZeroOrMore };
        var timeout = new Option<string?>("--timeout", "-t")
        {
            Description = "Time between the stop signal and SIGKILL: 500ms, 5s, 2m, 1h or seconds, at most 24h (default: formation.yml's stop_timeout, else 5s).",
            HelpName = "duration",
            CustomParser = r => Duration.TryParse(r.Tokens[0].Value, out _) ? r.Tokens[0].Value
                : CliOptions.Invalid<string?>(r, $"Invalid timeout '{r.Tokens[0].Value}' for -t/--timeout: use {Duration.Grammar}."),
        };
        var restart = new Option<string?>("--restart")
        {
            Description = "Restart policy when a process ends by itself (default: formation.yml's, else on-failure).",
        };
        CliOptions.AcceptOnly(restart, "restart policy", [.. RestartPolicyWords.All]);
        var exitOnError = new Option<bool>("--exit-on-error")
        {
            Description = "When a process ends and is not restarted, stop everything and exit with its code (foreman's behaviour).",
        };
        var signal = new Option<string?>("--signal")
        {
            Description = "Signal that stops each process group (default: formation.yml's stop_signal, else TERM).",
            HelpName = "TERM|INT|QUIT|HUP|USR1|USR2|KILL",
        };
        var force = new Option<bool>("--force") { Description = "Start even when a PORT is in use by another process." };
        var noOrderedStop = new Option<bool>("--no-ordered-stop")
        {
            Description = "Stop every type at once, even when formation.yml's after orders the start (default: reverse start order, dependents first; formation.yml: ordered_stop).",
        };
        CliOptions.AcceptOnly(signal, "stop signal", Signals.StopSignals, [.. Signals.StopSignals, .. Signals.StopSignals.Select(s => "SIG" + s)]);
        var noTimestamp = new Option<bool>("--no-timestamp") { Description = "Do not prefix lines with the time." };
        var color = new Option<string>("--color")
        {
            Description = "Colour the prefixes: auto (when stdout is a terminal and NO_COLOR is unset), always, never.",
            DefaultValueFactory = _ => "auto",
        };
        CliOptions.AcceptOnly(color, "colour mode", ["auto", "always", "never"]);
        var name = new Option<string?>("--name") { Description = "Name of the formation (default: formation.yml's name, else the Procfile's directory name); one running per name.", HelpName = "name" };
        var logDir = new Option<string?>("--log-dir") { Description = "Also write each process's output to DIR/NAME.log, rotated by size (default: formation.yml's log_dir).", HelpName = "dir" };

        var command = new Command("start", "Run the Procfile's process formation in the foreground.")
        {
            types, shared.Procfile, shared.Config, shared.EnvFiles, shared.Formation, shared.Port, timeout, shared.Root, restart,
            exitOnError, signal, force, noOrderedStop, noTimestamp, color, name, logDir,
        };
        command.SetAction(r =>
        {
            TimeSpan? stopTimeout = r.GetValue(timeout) is { } t ? Duration.Parse(t, "-t/--timeout") : null;
            if (r.GetValue(types)?.FirstOrDefault(t => t.StartsWith('-')) is { } unknown)
                return Program.Fail(ExitCodes.Usage, $"Unrecognized option '{unknown}'{PeerHint(unknown)}. Run 'formation start --help' for usage");
            FormationPlan plan;
            try
            {
                plan = FormationPlan.Create(shared.ToFormationOptions(r, r.GetValue(types)) with
                {
                    StopTimeout = stopTimeout,
                    Restart = RestartPolicyWords.Parse(r.GetValue(restart)),
                    ExitOnError = r.GetValue(exitOnError),
                    StopSignal = r.GetValue(signal),
                    Force = r.GetValue(force),
                    OrderedStop = r.GetValue(noOrderedStop) ? false : null,
                    Name = r.GetValue(name),
                    LogDirectory = r.GetValue(logDir),
                });
            }
            catch (FormationConfigException ex)
            {
                return Program.Fail(ExitCodes.ConfigError, ex.Errors);
            }
            var colour = r.GetValue(color) switch
            {
                "always" => true,
                "never" => false,
                _ => !Console.IsOutputRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
                     && Environment.GetEnvironmentVariable("TERM") != "dumb",
            };
            return Run(plan, !r.GetValue(noTimestamp), colour);
        });
        return command;
    }

    /// <summary>What to type instead of a foreman or honcho flag that formation spells differently.</summary>
    private static string PeerHint(string option) => option.Split('=')[0] switch
    {
        "--no-color" or "--no-colour" => ": use --color never",
        "--colour" => ": use --color always",
        "-q" or "--quiet" => ": formation shows every process; run only some with 'formation start TYPE...'",
        "--no-prefix" => ": use --no-timestamp (the name column stays)",
        _ => "",
    };

    private static int Run(FormationPlan plan, bool timestamps, bool colour)
    {
        // This process runs nothing else: reap the formation's orphaned grandchildren here, at once.
        FormationRegistry.BecomeSubreaper();
        var names = plan.Instances().Select(x => InstanceName.Of(x.Type.Name, x.Index));
        var writer = new ConsoleLogWriter(Console.OpenStandardOutput(), new LogFormatter(names, timestamps, colour));

        using var engine = new FormationRegistry();
        var formation = engine.Add(plan);
        formation.Output += (_, line) => writer.Write(line);
        formation.Drained += (_, _) => writer.Flush();

        // The engine's one escalation: a second request from the user kills; duplicate hangups do not.
        using var interrupts = new Interrupts((action, line) =>
        {
            if (action == InterruptAction.Stop) formation.StopAsync(reason: line, interrupted: true);
            else if (action == InterruptAction.Kill) formation.Kill(line);
            else writer.Write(new LogLine(DateTimeOffset.Now, plan.Name, LogLine.SystemName, null, LogStream.System, line));
        });

        ControlEndpoint? endpoint = null;
        LogFiles? files = null;
        try
        {
            endpoint = ControlSetup.Open(formation);
            files = LogFiles.DirectoryFor(plan) is { } dir ? formation.WriteLogFiles(dir) : null;
            formation.Start();
        }
        catch (FormationException ex)
        {
            writer.Flush();
            files?.Dispose();
            endpoint?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return Program.Fail(ExitCodes.ConfigError, ex.Message);
        }
        var outcome = formation.Completion.GetAwaiter().GetResult();
        // Let the control clients read the end (a following `logs -f`, the reply to `stop`) before this process exits.
        endpoint?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        files?.Dispose();
        // Daemons that left their process group (setsid) were re-parented to this subreaper: stop them too.
        foreach (var (pid, name) in FormationRegistry.StopAdoptedOrphansAsync(TimeSpan.FromSeconds(1)).GetAwaiter().GetResult())
            writer.Write(new LogLine(DateTimeOffset.Now, plan.Name, LogLine.SystemName, null, LogStream.System, $"stopped {name} (pid {pid}): it had left its process group"));
        writer.Flush();
        return Render(outcome);
    }

    /// <summary>
    /// The engine's outcome on stderr and as the exit code: its message (with the process's last lines), then one
    /// line for each other instance that ended Failed. Nothing for a formation that completed or was stopped.
    /// </summary>
    internal static int Render(FormationOutcome outcome)
    {
        if (!outcome.Failed) return outcome.ExitCode;
        Program.Fail(0, outcome.Describe());
        foreach (var failure in outcome.Failures.Where(f => f.Process != outcome.Process)) Program.Fail(0, failure.Message);
        return outcome.ExitCode;
    }
}
