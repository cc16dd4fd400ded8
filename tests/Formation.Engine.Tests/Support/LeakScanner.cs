using System.Globalization;
using System.Text;

namespace Formation.Engine.Tests.Support;

/// <summary>Finds live processes whose environment carries a test's token, wherever they were re-parented.</summary>
public static class LeakScanner
{
    public const string TokenVariable = "FORMATION_TEST_TOKEN";

    /// <summary>Live (not zombie) processes carrying <paramref name="token"/>: "pid command".</summary>
    public static List<string> Find(string token)
    {
        var needle = Encoding.UTF8.GetBytes($"{TokenVariable}={token}\0");
        var found = new List<string>();
        foreach (var dir in System.IO.Directory.EnumerateDirectories("/proc"))
        {
            var name = Path.GetFileName(dir);
            if (!int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var state = stat[(stat.LastIndexOf(')') + 2)..][0];
                if (state is 'Z' or 'X') continue;
                var environ = File.ReadAllBytes(Path.Combine(dir, "environ"));
                if (environ.AsSpan().IndexOf(needle) < 0) continue;
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').Trim();
                found.Add($"{pid} {cmdline}");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or IndexOutOfRangeException or ArgumentOutOfRangeException)
            {
            }
        }
        return found;
    }

    /// <summary>
    /// Waits (bounded) for the token's processes to be gone, re-checking after short delays; kills what is
    /// still there at the end and returns it.
    /// </summary>
    public static async Task<List<string>> WaitUntilGoneAsync(string token, TimeSpan bound)
    {
        var deadline = DateTime.UtcNow + bound;
        List<string> left;
        while ((left = Find(token)).Count > 0 && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        foreach (var entry in left)
        {
            var pid = int.Parse(entry.AsSpan(0, entry.IndexOf(' ')), CultureInfo.InvariantCulture);
            try
            {
                using var leftover = System.Diagnostics.Process.GetProcessById(pid);
                leftover.Kill();
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Gone in the meantime.
            }
        }
        return left;
    }
}
