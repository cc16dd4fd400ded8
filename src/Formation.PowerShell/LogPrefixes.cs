using Formation.Engine.Output;
using Formation.Engine.Supervision;

namespace Formation.PowerShell;

/// <summary>
/// The prefix of each log record as <c>formation start</c> shows it: names padded to the longest one of the
/// formations followed (<c>system</c> included), and a colour per instance in the formations' instance order,
/// so web.1 and web.2 differ.
/// </summary>
internal sealed class LogPrefixes
{
    private static readonly string[] Palette =
        ["\e[36m", "\e[33m", "\e[32m", "\e[35m", "\e[31m", "\e[34m", "\e[96m", "\e[93m", "\e[92m", "\e[95m", "\e[91m", "\e[94m"];

    private const string SystemColour = "\e[1m";
    private readonly Dictionary<(string Formation, string Process), string> _colours = [];
    private int _width = LogLine.SystemName.Length;

    public LogPrefixes(IEnumerable<ProcessFormation> formations)
    {
        foreach (var f in formations)
            foreach (var p in f.GetProcesses()) Add(f.Name, p.Name);
    }

    public FormationLogRecord Record(LogLine line)
    {
        if (line.Process != LogLine.SystemName && !_colours.ContainsKey((line.Formation, line.Process))) Add(line.Formation, line.Process);
        var record = Objects.From(line, line.Process.PadRight(_width));
        record.Color = line.Process == LogLine.SystemName ? SystemColour : _colours[(line.Formation, line.Process)];
        return record;
    }

    private void Add(string formation, string process)
    {
        _colours[(formation, process)] = Palette[_colours.Count % Palette.Length];
        _width = Math.Max(_width, process.Length);
    }
}
