using System.Diagnostics;

namespace Formation.Engine.Os;

/// <summary>
/// Runs one command in the foreground with a given environment (<c>formation run</c>, <c>foreman run</c>):
/// it shares the terminal, stdin and the process group, and its exit code is returned.
/// </summary>
public static class CommandRunner
{
    /// <summary>The exit code when the command could not be started.</summary>
    public const int CouldNotStart = 127;

    /// <summary>Starts the command: one argument runs through <c>/bin/sh -c</c>, several run as an argument vector.</summary>
    /// <exception cref="FormationException">The command could not be started.</exception>
    public static Process Start(IReadOnlyList<string> command, IReadOnlyDictionary<string, string> environment, string workingDirectory)
    {
        if (command.Count == 0) throw new ArgumentException("A command is required.", nameof(command));
        var psi = command.Count == 1 && !OperatingSystem.IsWindows()
            ? new ProcessStartInfo("/bin/sh") { ArgumentList = { "-c", command[0] } }
            : new ProcessStartInfo(command[0]);
        if (command.Count > 1) foreach (var arg in command.Skip(1)) psi.ArgumentList.Add(arg);
        psi.UseShellExecute = false;
        psi.WorkingDirectory = workingDirectory;
        psi.Environment.Clear();
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        try
        {
            return Process.Start(psi) ?? throw new FormationException($"Could not start '{command[0]}'.");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new FormationException($"Could not start '{command[0]}': {ex.Message}", ex);
        }
    }
}
