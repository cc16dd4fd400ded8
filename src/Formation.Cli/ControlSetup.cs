using Formation.Engine;
using Formation.Engine.Control;
using Formation.Engine.Supervision;

namespace Formation.Cli;

/// <summary><c>formation start</c>'s control endpoint: a taken name is an error; an unusable control directory only a warning.</summary>
internal static class ControlSetup
{
    /// <exception cref="FormationNameTakenException">A formation of that name is already running.</exception>
    public static ControlEndpoint? Open(ProcessFormation formation)
    {
        try
        {
            return ControlEndpoint.Open(formation);
        }
        catch (FormationNameTakenException)
        {
            throw;
        }
        catch (Exception ex) when (ex is Engine.FormationException or IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException or PlatformNotSupportedException)
        {
            Console.Error.WriteLine($"formation: warning: no control endpoint ({ex.Message}); ps, logs, restart and stop cannot reach this formation.");
            return null;
        }
    }
}
