using System.CommandLine;
using System.Diagnostics;
using Formation.Engine.Supervision;

namespace Formation.Cli;

/// <summary>
/// <c>formation reload [NAME] [--dry-run]</c>: the running formation re-reads its Procfile, formation.yml and .env
/// files and applies the difference (its own process does the work, through the control endpoint).
/// </summary>
internal static class ReloadCommand
{
    public static Command Create()
    {
        var target = new ControlTarget();
        var name = new Argument<string?>("name") { Description = "The formation (see 'formation ls'). Default: --name, else the one running the Procfile here, else the only one running.", Arity = ArgumentArity.ZeroOrOne };
        var dryRun = new Option<bool>("--dry-run") { Description = "Only print the plan (per type: start, stop, restart, scale or keep, and why); change nothing." };
        var command = target.Add(new Command("reload", "Apply an edited Procfile, formation.yml or .env file to a running formation: new types start, removed types stop, changed types restart one instance at a time, the others keep running.") { name, dryRun });
        command.SetAction(r =>
        {
            if (r.GetValue(name) is { } given && r.GetValue(target.Name) is { } option && given != option)
                return Program.Fail(ExitCodes.Usage, $"Two formations named: '{given}' and --name '{option}'. Name one");
            return target.Run(r, async (client, token) =>
            {
                var clock = Stopwatch.StartNew();
                var plan = await client.ReloadAsync(r.GetValue(dryRun), token);
                Write(plan);
                Console.Out.WriteLine(r.GetValue(dryRun)
                    ? $"{plan.Formation}: dry run, nothing changed."
                    : plan.HasChanges ? $"{plan.Formation} reloaded in {Engine.Configuration.Duration.Format(clock.Elapsed)}." : $"{plan.Formation}: nothing to change.");
                return ExitCodes.Success;
            }, r.GetValue(name));
        });
        return command;
    }

    /// <summary>The plan as a table (TYPE, ACTION, INSTANCES, WHY), then its notes.</summary>
    internal static void Write(ReloadPlan plan)
    {
        Tables.Write(["TYPE", "ACTION", "INSTANCES", "WHY"], plan.Types.Select(t => (IReadOnlyList<string>)
        [
            t.Type, t.Action.ToString().ToLowerInvariant(), t.From == t.To ? $"{t.To}" : $"{t.From} -> {t.To}", t.Reason,
        ]));
        foreach (var note in plan.Notes) Console.Out.WriteLine($"note: {note}");
    }
}
