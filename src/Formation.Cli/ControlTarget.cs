using System.CommandLine;
using System.Runtime.InteropServices;
using Formation.Engine;
using Formation.Engine.Configuration;
using Formation.Engine.Control;

namespace Formation.Cli;

/// <summary>
/// How the control verbs (ps, restart, stop, start-process, scale, logs) find the formation they act on —
/// <c>--name</c>, else the current directory's Procfile (or <c>-f</c>), else the only one running — and how
/// their failures become exit codes. Drawing what they list is <see cref="Tables"/>'s.
/// </summary>
internal sealed class ControlTarget
{
    /// <param name="shortProcfile">Whether <c>-f</c> means <c>--procfile</c> (not on <c>logs</c>, where it means follow).</param>
    public ControlTarget(bool shortProcfile = true)
    {
        if (shortProcfile) Procfile.Aliases.Add("-f");
    }

    public Option<string?> Name { get; } = new("--name")
    {
        Description = "The formation's name (see 'formation ls'). Default: the one running the Procfile here, else the only one running.",
        HelpName = "name",
    };

    public Option<string?> Procfile { get; } = new("--procfile")
    {
        Description = "Act on the formation running this Procfile (default: ./Procfile).",
        HelpName = "path",
    };

    public Command Add(Command command)
    {
        command.Options.Add(Name);
        command.Options.Add(Procfile);
        return command;
    }

    /// <summary>Connects to the formation the command line means and runs <paramref name="body"/>; Ctrl+C cancels it.</summary>
    /// <param name="name">The formation's name when the verb takes it as an argument (<c>formation reload NAME</c>); else --name.</param>
    public int Run(ParseResult r, Func<FormationClient, CancellationToken, Task<int>> body, string? name = null)
    {
        using var cancel = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c =>
        {
            c.Cancel = true;
            cancel.Cancel();
        });
        try
        {
            return RunAsync(r, body, name, cancel.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            return ExitCodes.Success;
        }
        catch (OperationCanceledException ex)
        {
            return Program.Fail(ExitCodes.ConfigError, ex.Message); // the formation gave the request up (it ended meanwhile)
        }
        catch (FormationNotRunningException ex)
        {
            return Program.Fail(ExitCodes.NotRunning, ex.Message);
        }
        catch (Exception ex) when (ex is FormationNotAnsweringException or FormationOwnerLostException)
        {
            return Program.Fail(ExitCodes.OwnerLost, ex.Message);
        }
        catch (FormationConfigException ex)
        {
            return Program.Fail(ExitCodes.ConfigError, ex.Errors);
        }
        catch (FormationException ex)
        {
            return Program.Fail(ExitCodes.ConfigError, ex.Message);
        }
    }

    private async Task<int> RunAsync(ParseResult r, Func<FormationClient, CancellationToken, Task<int>> body, string? name, CancellationToken cancellationToken)
    {
        var given = r.GetValue(Procfile);
        var procfile = given ?? (File.Exists("Procfile") ? "Procfile" : null);
        await using var client = await RunningFormations.FindAsync(name ?? r.GetValue(Name), procfile, given is not null, cancellationToken: cancellationToken);
        return await body(client, cancellationToken);
    }
}
