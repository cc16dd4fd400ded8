using System.CommandLine;
using System.Globalization;
using Formation.Engine;
using Formation.Engine.Control;

namespace Formation.Cli;

/// <summary><c>formation ls</c>: every running formation of this user; stale endpoints are reported and removed.</summary>
internal static class LsCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Write one JSON array (Name, Procfile, OwnerProcessId, StartTime, ProcessCount, State, …)." };
        var command = new Command("ls", "List every running formation of this user (name, Procfile, pid, started, process count).") { json };
        command.SetAction(r =>
        {
            FormationListing listing;
            try
            {
                listing = RunningFormations.ListAsync().GetAwaiter().GetResult();
            }
            catch (FormationException ex)
            {
                return Program.Fail(ExitCodes.ConfigError, ex.Message);
            }
            foreach (var gone in listing.Gone)
                Console.Error.WriteLine($"formation: '{gone.Name ?? Path.GetFileNameWithoutExtension(gone.SocketPath)}' is gone" +
                    (gone.OwnerProcessId is { } pid ? $" (its owner, pid {pid}, died)" : " (its owner died)") + "; removed its stale socket.");
            foreach (var error in listing.Errors) Console.Error.WriteLine($"formation: {error}");
            if (r.GetValue(json)) Console.Out.WriteLine(ControlProtocol.ToJson([.. listing.Running]));
            else if (listing.Running.Count > 0)
                Tables.Write(["NAME", "PID", "STARTED", "PROCESSES", "STATE", "PROCFILE"], listing.Running.Select(f => (IReadOnlyList<string>)
                [
                    f.Name, f.OwnerProcessId.ToString(CultureInfo.InvariantCulture), Tables.Time(f.StartTime),
                    f.ProcessCount.ToString(CultureInfo.InvariantCulture), f.State.ToString(), f.Procfile,
                ]));
            return ExitCodes.Success;
        });
        return command;
    }
}
