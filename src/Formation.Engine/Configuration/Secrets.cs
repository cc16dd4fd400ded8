namespace Formation.Engine.Configuration;

/// <summary>
/// The one rule for secret-looking names (<c>*SECRET*</c>, <c>*TOKEN*</c>, <c>*PASSWORD*</c>, <c>*KEY*</c>): their
/// values are masked in every message and listing unless the user asks to see them.
/// </summary>
public static class Secrets
{
    /// <summary>What a masked value shows.</summary>
    public const string Mask = "********";

    private static readonly string[] Words = ["SECRET", "TOKEN", "PASSWORD", "KEY"];

    /// <summary>Whether the name matches *SECRET*, *TOKEN*, *PASSWORD* or *KEY* (any case).</summary>
    public static bool IsSecretName(string name) => Words.Any(w => name.Contains(w, StringComparison.OrdinalIgnoreCase));
}
