using System.CommandLine;
using System.Globalization;
using Formation.Engine.Control;

namespace Formation.Cli;

/// <summary><c>formation ps</c>: the processes of a running formation, from any shell.</summary>
internal static class PsCommand
{
    public static Command Create()
    {
        var target = new ControlTarget();
        var json = new Option<bool>("--json") { Description = "Write one JSON array with the cmdlets' property names (Name, Type, Index, ProcessId, State, Port, Restarts, …)." };
        var command = target.Add(new Command("ps", "List the processes of a running formation.") { json });
        command.SetAction(r => target.Run(r, async (client, token) =>
        {
            var processes = await client.GetProcessesAsync(token);
            if (r.GetValue(json))
            {
                Console.Out.WriteLine(ControlProtocol.ToJson(processes));
                return ExitCodes.Success;
            }
            Tables.Write(["NAME", "PID", "STATE", "PORT", "RESTARTS", "STARTED", "COMMAND"], processes.Select(p => (IReadOnlyList<string>)
            [
                p.Name, p.ProcessId?.ToString(CultureInfo.InvariantCulture) ?? "-", p.State.ToString(),
                p.Port?.ToString(CultureInfo.InvariantCulture) ?? "-", p.Restarts.ToString(CultureInfo.InvariantCulture),
                Tables.Time(p.StartTime), p.Command,
            ]));
            return ExitCodes.Success;
        }));
        return command;
    }
}
