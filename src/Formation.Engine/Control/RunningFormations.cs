namespace Formation.Engine.Control;

/// <summary>A formation whose owner died and left its socket behind; the listing removed the socket.</summary>
/// <param name="Name">The formation's name, when the owner's lock file still says it.</param>
/// <param name="OwnerProcessId">The dead owner's pid, when known.</param>
/// <param name="SocketPath">The stale socket that was removed.</param>
public sealed record GoneFormation(string? Name, int? OwnerProcessId, string SocketPath);

/// <summary>Every formation of this user that has an endpoint, the stale endpoints found (and cleaned up) on the way, and those that did not answer.</summary>
public sealed record FormationListing(IReadOnlyList<FormationInfo> Running, IReadOnlyList<GoneFormation> Gone, IReadOnlyList<string> Errors);

/// <summary>
/// The user's formations that run in any process, found through the control directory: all of them
/// (<see cref="ListAsync"/>, what <c>formation ls</c> and <c>Get-Formation</c> show) or the one a command
/// means (<see cref="FindAsync"/>). Every endpoint is asked in parallel and each answer has the client's
/// deadline, so an owner that is stopped costs at most that long and never hides the others.
/// </summary>
public static class RunningFormations
{
    /// <summary>
    /// Asks every endpoint in the directory who it is. A socket nobody answers whose owner's lock is free is
    /// stale: it is removed and reported in <see cref="FormationListing.Gone"/>, never trusted.
    /// </summary>
    /// <exception cref="FormationException">The directory is not this user's private directory.</exception>
    public static async Task<FormationListing> ListAsync(string? directory = null, CancellationToken cancellationToken = default)
    {
        var sockets = ControlDirectory.Sockets(directory);
        var answers = await Task.WhenAll(sockets.Select(path => ProbeAsync(path, cancellationToken))).ConfigureAwait(false);
        return new FormationListing(
            answers.Select(a => a.Info).OfType<FormationInfo>().OrderBy(i => i.Name, StringComparer.Ordinal).ToArray(),
            answers.Select(a => a.Gone).OfType<GoneFormation>().ToArray(),
            answers.Select(a => a.Error).OfType<string>().ToArray());
    }

    /// <summary>
    /// The formation a command means: the one named; else the one whose Procfile is <paramref name="procfile"/>
    /// (the current directory's, for the CLI); else, unless that Procfile was given explicitly
    /// (<paramref name="procfileGiven"/>), the only one running.
    /// </summary>
    /// <exception cref="FormationException">None matches, or several run and none was named.</exception>
    public static async Task<FormationClient> FindAsync(string? name, string? procfile, bool procfileGiven = false, string? directory = null, CancellationToken cancellationToken = default)
    {
        if (name is not null) return await FormationClient.ConnectAsync(name, directory, cancellationToken).ConfigureAwait(false);
        var listing = await ListAsync(directory, cancellationToken).ConfigureAwait(false);
        var running = listing.Running;
        if (procfile is not null && running.Where(i => i.Procfile == Path.GetFullPath(procfile)).ToList() is { Count: > 0 } here)
        {
            if (here.Count > 1)
                throw new FormationException($"{here.Count} formations run {Path.GetFullPath(procfile)} ({string.Join(", ", here.Select(i => i.Name))}): name one with --name.");
            return await FormationClient.ConnectAsync(here[0].Name, directory, cancellationToken).ConfigureAwait(false);
        }
        // An owner that did not answer may be the one meant: say so rather than pick another or none.
        if (listing.Errors.Count > 0 && (procfileGiven || running.Count == 0)) throw new FormationNotAnsweringException(listing.Errors[0]);
        if (procfileGiven)
            throw new FormationNotRunningException($"No running formation runs {Path.GetFullPath(procfile!)}.", directory ?? ControlDirectory.DefaultPath);
        return running.Count switch
        {
            0 => throw new FormationNotRunningException("No formation is running.", directory ?? ControlDirectory.DefaultPath),
            1 when listing.Errors.Count == 0 => await FormationClient.ConnectAsync(running[0].Name, directory, cancellationToken).ConfigureAwait(false),
            _ => throw new FormationException($"{running.Count + listing.Errors.Count} formations are running ({string.Join(", ", running.Select(i => i.Name))}" +
                $"{(listing.Errors.Count > 0 ? $" and {listing.Errors.Count} that did not answer" : "")}): name one with --name, or run the command in its Procfile's directory."),
        };
    }

    private static async Task<(FormationInfo? Info, GoneFormation? Gone, string? Error)> ProbeAsync(string socketPath, CancellationToken cancellationToken)
    {
        try
        {
            await using var client = await FormationClient.ConnectPathAsync(socketPath, cancellationToken: cancellationToken).ConfigureAwait(false);
            return (client.Info, null, null);
        }
        catch (FormationNotRunningException)
        {
            return OperatingSystem.IsLinux() && NameLock.RemoveIfAbandoned(socketPath) is { } gone
                ? (null, gone, null)
                : (null, null, $"The formation at '{socketPath}' is starting or not answering.");
        }
        catch (FormationException ex)
        {
            return (null, null, ex.Message);
        }
    }
}
