using System.CommandLine;
using Formation.Engine.Configuration;
using Formation.Engine.Supervision;

namespace Formation.Cli;

/// <summary><c>formation check</c>: validates the Procfile (and .env files and options) and lists the types.</summary>
internal static class CheckCommand
{
    public static Command Create(CliOptions shared)
    {
        var command = new Command("check", "Validate the Procfile and .env files; print the process types or every error with file:line.")
        {
            shared.Procfile, shared.Config, shared.EnvFiles, shared.Formation, shared.Port, shared.Root,
        };
        command.SetAction(r =>
        {
            FormationPlan plan;
            try
            {
                plan = FormationPlan.Create(shared.ToFormationOptions(r));
            }
            catch (FormationConfigException ex)
            {
                return Program.Fail(ExitCodes.ConfigError, ex.Errors);
            }
            var width = plan.Procfile.Types.Max(t => t.Name.Length);
            Console.Out.WriteLine($"valid procfile detected ({string.Join(", ", plan.Procfile.Types.Select(t => t.Name))})");
            if (plan.Config is { } config) Console.Out.WriteLine($"with {config.Path}");
            foreach (var t in plan.Procfile.Types)
            {
                var s = plan.Settings(t);
                var count = plan.Counts[t.Name];
                var ports = count == 0 ? "not run" : plan.PortFor(t, 1) is not { } first ? "no port"
                    : (count == 1 ? $"port {first}" : $"ports {first}-{plan.PortFor(t, count)}") + (PortCheck.UsesPort(s) ? " checked" : " unused");
                var notes = new List<string>();
                if (s.Task) notes.Add("task");
                if (s.Ready is { } ready) notes.Add($"ready: {ready} within {Duration.Format(s.ReadyTimeout)}");
                if (s.After.Count > 0) notes.Add($"after: {string.Join(", ", s.After)}");
                var suffix = notes.Count > 0 ? $"  [{string.Join("; ", notes)}]" : "";
                Console.Out.WriteLine($"  {t.Name.PadRight(width)}  x{count}  {ports,-24} {t.Command}{suffix}");
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
