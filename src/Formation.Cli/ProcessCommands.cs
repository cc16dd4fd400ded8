using System.CommandLine;
using Formation.Engine;
using Formation.Engine.Control;
using Formation.Engine.Supervision;

namespace Formation.Cli;

/// <summary>
/// <c>formation restart</c>, <c>stop</c> and <c>start-process</c>: act on processes of a running formation.
/// A NAME is an instance (<c>web.1</c>) or a type (<c>web</c>: its instances one after another, so a
/// restart is rolling: each waits for the previous one to be ready).
/// </summary>
internal static class ProcessCommands
{
    public static Command Restart() => Create("restart", "Restart processes of a running formation, one at a time, each once the previous is ready.", required: true,
        async (client, name, token) =>
        {
            var before = (await client.GetProcessesAsync(token)).FirstOrDefault(p => p.Name == name)?.ProcessId;
            var p = await client.RestartProcessAsync(name, cancellationToken: token);
            return $"{p.Name} restarted: pid {Pid(before)} -> {Pid(p.ProcessId)}, {p.State}";
        });

    public static Command StartProcess() => Create("start-process", "Start processes of a running formation that are not running (stopped, exited, failed).", required: true,
        async (client, name, token) =>
        {
            var p = await client.StartProcessAsync(name, token);
            return $"{p.Name} {p.State}, pid {Pid(p.ProcessId)}";
        });

    /// <summary><c>formation stop</c>: the whole formation, or the named processes.</summary>
    public static Command Stop()
    {
        var command = Create("stop", "Stop a running formation, or only the named processes.", required: false,
            async (client, name, token) =>
            {
                var p = await client.StopProcessAsync(name, cancellationToken: token);
                return $"{p.Name} {p.State}";
            },
            async (client, token) =>
            {
                // The formation's own outcome: how it ended (a failure before the stop still counts) and its exit code.
                var outcome = await client.StopAsync(cancellationToken: token);
                Console.Out.WriteLine($"{client.Info.Name} {outcome.End.ToString().ToLowerInvariant()} ({outcome.Cause}, exit code {outcome.ExitCode})"
                    + (outcome.Failed ? $": {outcome.Message}" : ""));
                return ExitCodes.Success;
            });
        return command;
    }

    private static Command Create(string verb, string description, bool required,
        Func<FormationClient, string, CancellationToken, Task<string>> each, Func<FormationClient, CancellationToken, Task<int>>? none = null)
    {
        var target = new ControlTarget();
        var names = new Argument<string[]>("name")
        {
            Description = "Instances (web.1) or types (web).",
            Arity = required ? ArgumentArity.OneOrMore : ArgumentArity.ZeroOrMore,
        };
        var command = target.Add(new Command(verb, description) { names });
        command.SetAction(r => target.Run(r, async (client, token) =>
        {
            var given = r.GetValue(names) ?? [];
            if (given.Length == 0 && none is not null) return await none(client, token);
            foreach (var instance in Expand(given, await client.GetProcessesAsync(token), client.Info.Name))
                Console.Out.WriteLine(await each(client, instance, token));
            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary>Each name as instances: a type becomes its instances in index order; an instance stays itself.</summary>
    private static IEnumerable<string> Expand(IEnumerable<string> names, IReadOnlyList<FormationProcess> processes, string formation)
    {
        var result = new List<string>();
        foreach (var name in names)
        {
            if (processes.Any(p => p.Name == name)) result.Add(name);
            else if (processes.Where(p => p.Type == name).OrderBy(p => p.Index).Select(p => p.Name).ToList() is { Count: > 0 } instances) result.AddRange(instances);
            else throw new FormationException($"No process or type named '{name}' in formation '{formation}'. Processes: {string.Join(", ", processes.Select(p => p.Name))}.");
        }
        return result.Distinct();
    }

    private static string Pid(int? pid) => Tables.Number(pid);
}
