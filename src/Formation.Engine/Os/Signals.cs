using System.Runtime.InteropServices;

namespace Formation.Engine.Os;

/// <summary>Signal names and their numbers on the current platform (Linux and macOS differ).</summary>
public static class Signals
{
    private static readonly string[] LinuxNames =
    [
        "", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE",
        "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ",
        "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
    ];

    private static readonly string[] BsdNames =
    [
        "", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "EMT", "FPE", "KILL", "BUS", "SEGV", "SYS", "PIPE",
        "ALRM", "TERM", "URG", "STOP", "TSTP", "CONT", "CHLD", "TTIN", "TTOU", "IO", "XCPU", "XFSZ", "VTALRM",
        "PROF", "WINCH", "INFO", "USR1", "USR2",
    ];

    private static string[] Names => RuntimeInformation.IsOSPlatform(OSPlatform.Linux) ? LinuxNames : BsdNames;

    /// <summary>The signals a formation may be stopped with.</summary>
    public static IReadOnlyList<string> StopSignals { get; } = ["TERM", "INT", "QUIT", "HUP", "USR1", "USR2", "KILL"];

    public static int Kill => Number("KILL");
    public static int Term => Number("TERM");

    /// <summary>The number of a signal given as <c>TERM</c>, <c>SIGTERM</c> or <c>15</c>, or null if unknown.</summary>
    public static int? TryParse(string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) return null;
        var n = name.Trim().ToUpperInvariant();
        if (int.TryParse(n, out var num)) return num is > 0 and < 32 ? num : null;
        if (n.StartsWith("SIG", StringComparison.Ordinal)) n = n[3..];
        var i = Array.IndexOf(Names, n);
        return i > 0 ? i : null;
    }

    /// <summary>The number of a known signal name; throws for an unknown one.</summary>
    public static int Number(string name) =>
        TryParse(name) ?? throw new ArgumentException($"Unknown signal '{name}'.", nameof(name));

    /// <summary><c>SIGTERM</c> for 15 on Linux; <c>SIG42</c> for numbers without a name.</summary>
    public static string Name(int number) =>
        number > 0 && number < Names.Length ? "SIG" + Names[number] : "SIG" + number;
}
