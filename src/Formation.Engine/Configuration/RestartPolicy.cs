namespace Formation.Engine.Configuration;

/// <summary>What the supervisor does when a process ends without being asked to.</summary>
public enum RestartPolicy
{
    /// <summary>Never restart; the instance stays Exited or Crashed.</summary>
    Never,

    /// <summary>Restart after a non-zero exit or a signal (the default).</summary>
    OnFailure,

    /// <summary>Restart after any exit, including exit code 0.</summary>
    Always,
}

/// <summary>The one spelling of the restart policies, in formation.yml and on command lines: <c>never</c>, <c>on-failure</c>, <c>always</c>.</summary>
public static class RestartPolicyWords
{
    public static IReadOnlyList<string> All { get; } = ["never", "on-failure", "always"];

    /// <summary>The policy a word names, or null.</summary>
    public static RestartPolicy? Parse(string? word) => word switch
    {
        "never" => RestartPolicy.Never,
        "on-failure" => RestartPolicy.OnFailure,
        "always" => RestartPolicy.Always,
        _ => null,
    };

    public static string Word(RestartPolicy policy) => All[(int)policy];
}

/// <summary>Backoff and crash-loop limits. The defaults are the documented behaviour.</summary>
/// <param name="InitialDelay">Delay before the first restart; each further restart doubles it.</param>
/// <param name="MaxDelay">The delay never exceeds this.</param>
/// <param name="MaxFailures">This many ends within <paramref name="Window"/> put the instance in Failed.</param>
/// <param name="Window">The window in which ends are counted.</param>
/// <param name="ResetAfter">A run longer than this clears the count.</param>
public sealed record RestartSettings(TimeSpan InitialDelay, TimeSpan MaxDelay, int MaxFailures, TimeSpan Window, TimeSpan ResetAfter)
{
    /// <summary>1 s doubling to 30 s; 5 failures within 60 s give up; a 30 s run resets.</summary>
    public static RestartSettings Default { get; } = new(
        TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 5, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(30));
}
