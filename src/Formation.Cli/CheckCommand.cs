using System.CommandLine;
using Formation.Engine.Configuration;

namespace Formation.Cli;

/// <summary><c>formation check</c>: validates the Procfile (and .env files and options) and lists the types.</summary>
internal static class CheckCommand
{
    public static Command Create(CliOptions shared)
    {
        var command = new Command("check", "Validate the Procfile and .env files; print the process types or every error with file:line.")
        {
            shared.Procfile, shared.EnvFiles, shared.Formation, shared.Port, shared.Root,
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
            foreach (var t in plan.Procfile.Types)
            {
                var count = plan.Counts[t.Name];
                var ports = count == 0 ? "not run" : count == 1 ? $"port {plan.PortFor(t, 1)}" : $"ports {plan.PortFor(t, 1)}-{plan.PortFor(t, count)}";
                Console.Out.WriteLine($"  {t.Name.PadRight(width)}  x{count}  {ports,-16} {t.Command}");
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
