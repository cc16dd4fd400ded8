using System.Collections;
using System.Globalization;
using System.Management.Automation;
using Formation.Engine.Configuration;
using Formation.Engine.Supervision;

namespace Formation.PowerShell;

/// <summary>
/// A duration given as a TimeSpan, a number of seconds (<c>5</c>, <c>0.5</c>) or a string in the engine's one
/// grammar (<c>'500ms'</c>, <c>'5s'</c>, <c>'2m'</c>, <c>'1h'</c>), from 0 to 24 hours. PowerShell converts through these constructors.
/// </summary>
public sealed class DurationArgument
{
    public DurationArgument(TimeSpan value) => Value = Checked(value, value.ToString());
    public DurationArgument(int seconds) => Value = Checked(TimeSpan.FromSeconds(seconds), seconds.ToString(CultureInfo.InvariantCulture));
    public DurationArgument(double seconds) =>
        Value = double.IsFinite(seconds) && Math.Abs(seconds) <= Duration.Max.TotalSeconds
            ? Checked(TimeSpan.FromSeconds(seconds), seconds.ToString(CultureInfo.InvariantCulture))
            : throw Invalid(seconds.ToString(CultureInfo.InvariantCulture));

    /// <summary>The engine's grammar; a string with ':' is read as a TimeSpan (<c>'00:00:05'</c>), as PowerShell would.</summary>
    public DurationArgument(string text) =>
        Value = Duration.TryParse(text, out var value) ? value
            : text.Contains(':') && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) ? Checked(span, text)
            : throw Invalid(text);

    public TimeSpan Value { get; }

    public override string ToString() => Duration.Format(Value);

    private static TimeSpan Checked(TimeSpan value, string text) => Duration.InRange(value) ? value : throw Invalid(text);

    private static ArgumentException Invalid(string text) => new($"'{text}' is not a duration: use {Duration.Grammar}.");
}

/// <summary>Instance counts given as a hashtable (<c>@{ web = 2; worker = 3 }</c>) or a string (<c>'web=2,worker=3'</c>).</summary>
public sealed class ScaleArgument
{
    public ScaleArgument(string text) => Counts = ScaleSpec.Parse(text);

    public ScaleArgument(Hashtable table)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in table)
        {
            var key = e.Key?.ToString() ?? "";
            var value = e.Value is PSObject pso ? pso.BaseObject : e.Value;
            counts[key] = value switch
            {
                int i => i,
                long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
                string s when int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) => n,
                _ => throw new ArgumentException($"The count for '{key}' must be a whole number, not '{value}'."),
            };
        }
        Counts = counts;
    }

    public IReadOnlyDictionary<string, int> Counts { get; }

    public override string ToString() => string.Join(",", Counts.Select(kv => $"{kv.Key}={kv.Value}"));
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
            case ProcessFormation:
                return value;
            case string name:
                return FormationRegistry.Engine.Find(name) ?? throw new ArgumentTransformationMetadataException(
                    $"No formation named '{name}'. Known: {string.Join(", ", FormationRegistry.Engine.Formations.Select(f => f.Name))}.");
            case IEnumerable items and not string:
                return items.Cast<object>().Select(Convert).Cast<ProcessFormation>().ToArray();
            default:
                return input;
        }
    }
}
