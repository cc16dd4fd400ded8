using Formation.Engine.Output;

namespace Formation.PowerShell;

/// <summary>
/// The prefix of each log record as <c>formation start</c> shows it (the engine's <see cref="LogFormatter"/>):
/// names padded to the longest of the formations followed, <c>system</c> included, and a colour per
/// instance in the formations' instance order, so web.1 and web.2 differ.
/// </summary>
internal sealed class LogPrefixes(IEnumerable<string> names)
{
    private readonly LogFormatter _formatter = new(names, timestamps: true, colour: true);

    public FormationLogRecord Record(LogLine line)
    {
        _formatter.Widen([line.Process]);
        var record = Objects.From(line, line.Process.PadRight(_formatter.Width));
        record.Color = _formatter.ColourOf(line.Process);
        return record;
    }
}
