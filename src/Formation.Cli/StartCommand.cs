using System.CommandLine;
using Formation.Engine.Configuration;
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
        };
        var restart = new Option<string?>("--restart")
        {
            Description = "Restart policy when a process ends by itself (default: formation.yml's, else on-failure).",
        };
        restart.AcceptOnlyFromAmong("never", "on-failure", "always");
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
        signal.AcceptOnlyFromAmong([.. Signals.StopSignals, .. Signals.StopSignals.Select(s => "SIG" + s)]);
        var noTimestamp = new Option<bool>("--no-timestamp") { Description = "Do not prefix lines with the time." };
        var color = new Option<string>("--color")
        {
            Description = "Colour the prefixes: auto (when stdout is a terminal and NO_COLOR is unset), always, never.",
            DefaultValueFactory = _ => "auto",
        };
        color.AcceptOnlyFromAmong("auto", "always", "never");

        var command = new Command("start", "Run the Procfile's process formation in the foreground.")
        {
            types, shared.Procfile, shared.Config, shared.EnvFiles, shared.Formation, shared.Port, timeout, shared.Root, restart,
            exitOnError, signal, force, noTimestamp, color,
        };
        command.SetAction(r =>
        {
            TimeSpan? stopTimeout = null;
            if (r.GetValue(timeout) is { } t)
            {
                if (!Duration.TryParse(t, out var parsed)) return Program.Fail(ExitCodes.Usage, $"Invalid timeout '{t}': use {Duration.Grammar}.");
                stopTimeout = parsed;
            }
            if (r.GetValue(types)?.FirstOrDefault(t => t.StartsWith('-')) is { } unknown)
                return Program.Fail(ExitCodes.Usage, $"Unrecognized option '{unknown}'. Run 'formation start --help' for usage.");
            FormationPlan plan;
            try
            {
                plan = FormationPlan.Create(shared.ToFormationOptions(r, r.GetValue(types)) with
                {
                    StopTimeout = stopTimeout,
                    Restart = r.GetValue(restart) switch
                    {
                        "never" => RestartPolicy.Never,
                        "always" => RestartPolicy.Always,
                        "on-failure" => RestartPolicy.OnFailure,
                        _ => null,
                    },
                    ExitOnError = r.GetValue(exitOnError),
                    StopSignal = r.GetValue(signal),
                    Force = r.GetValue(force),
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

    private static int Run(FormationPlan plan, bool timestamps, bool colour)
    {
        // This process runs nothing else: reap the formation's orphaned grandchildren here, at once.
        FormationEngine.BecomeSubreaper();
        var names = plan.Instances().Select(x => $"{x.Type.Name}.{x.Index}");
        var writer = new ConsoleLogWriter(Console.OpenStandardOutput(),
            new LogFormatter(plan.Procfile.Types.Select(t => t.Name), names, timestamps, colour));

        using var engine = new FormationEngine();
        var formation = engine.Add(plan);
        formation.Output += (_, line) => writer.Write(line);
        formation.Drained += (_, _) => writer.Flush();

        // The engine's one escalation: a second request from the user kills; duplicate hangups do not.
        using var interrupts = new Interrupts((action, line) =>
        {
            if (action == InterruptAction.Stop) formation.StopAsync(reason: line);
            else if (action == InterruptAction.Kill) formation.Kill(line);
            else writer.Write(new LogLine(DateTimeOffset.Now, plan.Name, LogLine.SystemName, null, LogStream.System, line));
        });

        try
        {
            formation.Start();
        }
        catch (FormationException ex)
        {
            writer.Flush();
            return Program.Fail(ExitCodes.ConfigError, ex.Message);
        }
        var result = formation.Completion.GetAwaiter().GetResult();
        // Daemons that left their process group (setsid) were re-parented to this subreaper: stop them too.
        foreach (var (pid, name) in FormationEngine.StopAdoptedOrphansAsync(TimeSpan.FromSeconds(1)).GetAwaiter().GetResult())
            writer.Write(new LogLine(DateTimeOffset.Now, plan.Name, LogLine.SystemName, null, LogStream.System, $"stopped {name} (pid {pid}): it had left its process group"));
        writer.Flush();
        if (result.Reason == FormationEndReason.StartFailed) Console.Error.WriteLine($"formation: {result.Message}");
        return result.ExitCode;
    }
}
