namespace Formation.Engine;
public static class TmpTrace
{
    private static readonly bool On = Environment.GetEnvironmentVariable("FORMATION_TMP_TRACE") == "1";
    public static void Mark(string what)
    {
        if (On) Console.Error.WriteLine($"TRACE {System.Diagnostics.Stopwatch.GetTimestamp() / 1e9:F4} {what} jit={System.Runtime.JitInfo.GetCompiledMethodCount()} {System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds:F0}ms");
    }
}
