using System.Collections;
using System.Globalization;
using System.Management.Automation;
using Formation.Engine.Configuration;

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
                return Session.Find(name) ?? throw new ArgumentTransformationMetadataException(
                    $"No formation named '{name}'. Known: {string.Join(", ", Session.Formations.Select(f => f.Name))}.");
            case IEnumerable items and not string:
                return items.Cast<object>().Select(Convert).Cast<Formation>().ToArray();
            default:
                return input;
        }
    }
}
