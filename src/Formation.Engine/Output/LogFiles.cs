using System.Globalization;
using System.Text;
using Formation.Engine.Configuration;
using Formation.Engine.Supervision;

namespace Formation.Engine.Output;

/// <summary>
/// Writes a formation's output to one file per process (<c>web.1.log</c>, <c>system.log</c>) in a log directory,
/// each line whole with its time: <c>2026-01-01T12:00:00.000+00:00 text</c>. A file that would grow past
/// <see cref="MaxBytes"/> is rotated before the line is written (<c>web.1.log</c> → <c>web.1.log.1</c> … up to
/// <see cref="Keep"/> old files), so no line is ever split across files. A file that cannot be written is
/// given up (with one line on stderr saying so); the formation carries on.
/// </summary>
public sealed class LogFiles : IDisposable
{
    public const long DefaultMaxBytes = 10 * 1024 * 1024;
    public const int DefaultKeep = 5;

    private static readonly Encoding Utf8 = new UTF8Encoding(false);
    private readonly object _gate = new();
    private readonly Dictionary<string, FileState> _files = new(StringComparer.Ordinal);
    private readonly ProcessFormation? _formation;
    private bool _disposed;

    private LogFiles(string directory, long maxBytes, int keep, ProcessFormation? formation)
    {
        Directory = directory;
        MaxBytes = maxBytes;
        Keep = keep;
        _formation = formation;
        System.IO.Directory.CreateDirectory(directory);
    }

    public string Directory { get; }
    public long MaxBytes { get; }
    public int Keep { get; }

    /// <summary>The log directory a plan asks for: the option, else formation.yml's <c>log_dir</c> (relative to that file), else null.</summary>
    public static string? DirectoryFor(FormationPlan plan) =>
        plan.Options.LogDirectory is { Length: > 0 } option ? Path.GetFullPath(option)
        : plan.Config is { LogDirectory: { Length: > 0 } configured } config ? Path.GetFullPath(configured, Path.GetDirectoryName(config.Path)!)
        : null;

    /// <summary>Writes every output line of the formation from now on; flushes when its event queue runs dry.</summary>
    /// <exception cref="FormationException">The directory cannot be created.</exception>
    public static LogFiles Attach(ProcessFormation formation, string directory, long maxBytes = DefaultMaxBytes, int keep = DefaultKeep)
    {
        LogFiles files;
        try
        {
            files = new LogFiles(directory, maxBytes, keep, formation);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new FormationException($"Cannot create the log directory '{directory}': {ex.Message} Check log_dir in formation.yml or --log-dir.");
        }
        formation.Output += files.OnOutput;
        formation.Drained += files.OnDrained;
        return files;
    }

    /// <summary>A writer not attached to a formation (for tests and other hosts).</summary>
    internal static LogFiles Create(string directory, long maxBytes, int keep) => new(directory, maxBytes, keep, null);

    /// <summary>Appends one line to its process's file, rotating first if it would not fit.</summary>
    public void Write(LogLine line)
    {
        var bytes = Utf8.GetBytes($"{line.Timestamp.ToString("yyyy-MM-ddTHH:mm:ss.fffzzz", CultureInfo.InvariantCulture)} {line.Line}\n");
        lock (_gate)
        {
            if (_disposed) return;
            if (!_files.TryGetValue(line.Process, out var file)) _files[line.Process] = file = new FileState(Path.Combine(Directory, line.Process + ".log"));
            if (file.Broken) return;
            try
            {
                file.Stream ??= Open(file);
                if (file.Stream.Length > 0 && file.Stream.Length + bytes.Length > MaxBytes)
                {
                    file.Stream.Dispose();
                    Rotate(file.Path);
                    file.Stream = Open(file);
                }
                file.Stream.Write(bytes);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                file.Broken = true;
                file.Stream?.Dispose();
                file.Stream = null;
                Console.Error.WriteLine($"formation: cannot write {file.Path}: {ex.Message}; its output is no longer written there.");
            }
        }
    }

    public void Flush()
    {
        lock (_gate)
        {
            foreach (var file in _files.Values)
            {
                try
                {
                    file.Stream?.Flush();
                }
                catch (IOException)
                {
                    file.Broken = true;
                }
            }
        }
    }

    public void Dispose()
    {
        if (_formation is not null)
        {
            _formation.Output -= OnOutput;
            _formation.Drained -= OnDrained;
        }
        Flush();
        lock (_gate)
        {
            _disposed = true;
            foreach (var file in _files.Values) file.Stream?.Dispose();
            _files.Clear();
        }
    }

    private void OnOutput(object? sender, LogLine line) => Write(line);

    private void OnDrained(object? sender, EventArgs e) => Flush();

    private static FileStream Open(FileState file) =>
        new(file.Path, FileMode.Append, FileAccess.Write, FileShare.Read, 16 * 1024);

    /// <summary><c>x.log.(keep-1)</c> → <c>x.log.keep</c> … <c>x.log</c> → <c>x.log.1</c>; the oldest falls off.</summary>
    private void Rotate(string path)
    {
        File.Delete($"{path}.{Keep}");
        for (var i = Keep - 1; i >= 1; i--)
            if (File.Exists($"{path}.{i}")) File.Move($"{path}.{i}", $"{path}.{i + 1}");
        if (Keep >= 1) File.Move(path, $"{path}.1");
        else File.Delete(path);
    }

    private sealed class FileState(string path)
    {
        public string Path { get; } = path;
        public FileStream? Stream { get; set; }
        public bool Broken { get; set; }
    }
}
