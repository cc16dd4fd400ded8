using System.CommandLine;
using Formation.Engine.Configuration;

namespace Formation.Cli;

/// <summary><c>formation scale web=3,worker=0</c>: set instance counts of a running formation.</summary>
internal static class ScaleCommand
{
    public static Command Create()
    {
        var target = new ControlTarget();
        var spec = new Argument<string[]>("type=N") { Description = "New counts, e.g. web=3,worker=0 (comma-separated or several arguments).", Arity = ArgumentArity.OneOrMore };
        var command = target.Add(new Command("scale", "Set the number of instances of process types of a running formation.") { spec });
        command.SetAction(r =>
        {
            IReadOnlyDictionary<string, int> counts;
            try
            {
                counts = ScaleSpec.Parse(string.Join(",", r.GetValue(spec)!));
            }
            catch (FormationConfigException ex)
            {
                return Program.Fail(ExitCodes.Usage, ex.Errors);
            }
            if (counts.ContainsKey(ScaleSpec.All)) return Program.Fail(ExitCodes.Usage, "'all=N' is for starting a formation; name each type to scale.");
            return target.Run(r, async (client, token) =>
            {
                foreach (var (type, count) in counts)
                {
                    var result = await client.ScaleAsync(type, count, token);
                    var changes = result.Added.Select(p => $"+{p.Name}").Concat(result.Removed.Select(p => $"-{p.Name}")).ToList();
                    Console.Out.WriteLine($"{result.Type}={count}" + (changes.Count == 0 ? " (unchanged)" : $" ({string.Join(" ", changes)})"));
                }
                return ExitCodes.Success;
            });
        });
        return command;
    }
}
