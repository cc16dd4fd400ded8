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
        var json = new Option<bool>("--json") { Description = "Write one JSON array with the cmdlets' property names (Name, Type, Index, ProcessId, State, Port, Restarts, CPU, Memory, …)." };
        var command = target.Add(new Command("ps", "List the processes of a running formation.") { json });
        command.SetAction(r => target.Run(r, async (client, token) =>
        {
            var processes = await client.GetProcessesAsync(token);
            if (r.GetValue(json))
            {
                Console.Out.WriteLine(ControlProtocol.ToJson(processes));
                return ExitCodes.Success;
            }
            Tables.Write(["NAME", "PID", "STATE", "PORT", "RESTARTS", "STARTED", "CPU(s)", "MEM(MB)", "COMMAND"], processes.Select(p => (IReadOnlyList<string>)
            [
                p.Name, p.ProcessId?.ToString(CultureInfo.InvariantCulture) ?? "-", p.State.ToString(),
                p.Port?.ToString(CultureInfo.InvariantCulture) ?? "-", p.Restarts.ToString(CultureInfo.InvariantCulture),
                Tables.Time(p.StartTime), Cpu(p.CPU), Megabytes(p.Memory), p.Command,
            ]));
            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary>Seconds with two decimals, as Get-Process shows CPU(s).</summary>
    internal static string Cpu(double? seconds) => seconds?.ToString("0.00", CultureInfo.InvariantCulture) ?? "-";

    /// <summary>Mebibytes with one decimal, as Get-Process shows WS(M).</summary>
    internal static string Megabytes(long? bytes) => bytes is { } b ? (b / 1024.0 / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) : "-";
}
