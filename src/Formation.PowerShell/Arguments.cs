using System.Collections;
using System.Globalization;
using System.Management.Automation;
using Formation.Engine.Configuration;

namespace Formation.PowerShell;

/// <summary>
/// A duration given as a TimeSpan, a number of seconds (<c>5</c>, <c>0.5</c>) or a string
/// (<c>'500ms'</c>, <c>'5s'</c>, <c>'2m'</c>, <c>'00:00:05'</c>). PowerShell converts through these constructors.
/// </summary>
public sealed class DurationArgument
{
    public DurationArgument(TimeSpan value) => Value = value;
    public DurationArgument(int seconds) => Value = TimeSpan.FromSeconds(seconds);
    public DurationArgument(double seconds) => Value = TimeSpan.FromSeconds(seconds);

    public DurationArgument(string text)
    {
        var s = text.Trim();
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var secs)) Value = TimeSpan.FromSeconds(secs);
        else if (s.EndsWith("ms", StringComparison.OrdinalIgnoreCase) && double.TryParse(s[..^2], NumberStyles.Float, CultureInfo.InvariantCulture, out var ms)) Value = TimeSpan.FromMilliseconds(ms);
        else if (s.EndsWith('s') && double.TryParse(s[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var sec)) Value = TimeSpan.FromSeconds(sec);
        else if (s.EndsWith('m') && double.TryParse(s[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var min)) Value = TimeSpan.FromMinutes(min);
        else if (TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out var ts)) Value = ts;
        else throw new ArgumentException($"'{text}' is not a duration: use seconds (5), '500ms', '5s', '2m' or a TimeSpan.");
        if (Value < TimeSpan.Zero) throw new ArgumentException($"'{text}' is negative: use 0 or more.");
    }

    public TimeSpan Value { get; }

    public override string ToString() => Value.ToString();
}

/// <summary>
/// Instance counts given as a hashtable (<c>@{ web = 2; worker = 3 }</c>) or a string (<c>'web=2,worker=3'</c>).
/// They are judged when the command knows the formation's types, so that a name that is not a type is
/// reported as such (listing the valid ones) before its count.
/// </summary>
public sealed class ScaleArgument
{
    public ScaleArgument(string text) => Text = text;

    public ScaleArgument(Hashtable table) =>
        Text = string.Join(",", table.Cast<DictionaryEntry>().Select(e => $"{e.Key}={(e.Value is PSObject pso ? pso.BaseObject : e.Value)}"));

    /// <summary>The counts as <c>type=N,…</c>.</summary>
    public string Text { get; }

    /// <summary>The counts, judged against the formation's types (null when they are not known).</summary>
    internal IReadOnlyDictionary<string, int> Resolve(IReadOnlyCollection<string>? types) => ScaleSpec.Parse(Text, types);

    public override string ToString() => Text;
}

/// <summary>Lets <c>-Formation</c> take a name (with the registry's formations) as well as a Formation object.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class FormationTransformationAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData) => Convert(inputData);

    private static object Convert(object input)
    {
        var value = input is PSObject pso ? pso.BaseObject : input;
        switch (value)
        {
            case Formation:
                return value;
            case string name:
                return FormationRegistry.Find(name) ?? throw new ArgumentTransformationMetadataException(
                    $"No formation named '{name}'. Known: {string.Join(", ", FormationRegistry.Formations.Select(f => f.Name))}.");
            case IEnumerable items and not string:
                return items.Cast<object>().Select(Convert).Cast<Formation>().ToArray();
            default:
                return input;
        }
    }
}
