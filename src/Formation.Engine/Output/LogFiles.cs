using System.Globalization;
using System.Text;
using Formation.Engine.Configuration;
using Formation.Engine.Os;

namespace Formation.Engine.Output;

/// <summary>
/// Writes a formation's output to one file per process (<c>web.1.log</c>, <c>system.log</c>) in a log directory,
/// each line whole with its time: <c>2026-01-01T12:00:00.000+00:00 text</c>. Lines are kept in memory until the
/// formation's event queue runs dry (or 64 KiB wait), then appended; the file is opened for that and closed
/// again, so a process's log holds no descriptor. A file that would grow past <see cref="MaxBytes"/> is rotated
/// before the line is written (<c>web.1.log</c> → <c>web.1.log.1</c> … up to <see cref="Keep"/> old files), so no
/// line is ever split across files.
/// </summary>
/// <remarks>
/// A new file is created 0600. A symbolic link in the directory is never followed, and a file another user
/// owns is never written (issue 19.7; <see cref="SafeFiles"/>). A file that cannot be written (a full disk,
/// issue 19.4) is given up with one line on stderr that names it and the error; nothing throws, so the
/// formation and its output on stdout carry on.
/// </remarks>
public sealed class LogFiles : IDisposable
{
    public const long DefaultMaxBytes = 10 * 1024 * 1024;
    public const int DefaultKeep = 5;
    private const int FlushBytes = 64 * 1024;

    private static readonly Encoding Utf8 = new UTF8Encoding(false);
    private readonly object _gate = new();
    private readonly Dictionary<string, FileState> _files = new(StringComparer.Ordinal);
    private Action? _detach;
    private bool _disposed;

    private LogFiles(string directory, long maxBytes, int keep)
    {
        Directory = directory;
        MaxBytes = maxBytes;
        Keep = keep;
        System.IO.Directory.CreateDirectory(directory);
    }

    public string Directory { get; }
    public long MaxBytes { get; }
    public int Keep { get; }

    /// <summary>Where a file that is given up is reported: one line each (stderr unless a test says otherwise).</summary>
    internal Action<string> Report { get; set; } = line => Console.Error.WriteLine(line);

    /// <summary>The log directory a plan asks for: the option, else formation.yml's <c>log_dir</c> (relative to that file), else null.</summary>
    public static string? DirectoryFor(FormationPlan plan) =>
        plan.Options.LogDirectory is { Length: > 0 } option ? Path.GetFullPath(option)
        : plan.Config is { LogDirectory: { Length: > 0 } configured } config ? Path.GetFullPath(configured, Path.GetDirectoryName(config.Path)!)
        : null;

    /// <summary>
    /// Opens the directory for the files of <paramref name="names"/> (instances and <c>system</c>); what feeds it
    /// lines (<c>ProcessFormation.WriteLogFiles</c>) says how it is detached, through <see cref="OnDispose"/>.
    /// </summary>
    /// <exception cref="FormationException">
    /// The directory cannot be created, or a file of those names is a symbolic link, not a regular file, or another user's.
    /// </exception>
    public static LogFiles Open(string directory, IEnumerable<string> names, long maxBytes = DefaultMaxBytes, int keep = DefaultKeep)
    {
        LogFiles files;
        try
        {
            files = new LogFiles(directory, maxBytes, keep);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new FormationException($"Cannot create the log directory '{directory}': {ex.Message} Check log_dir in formation.yml or --log-dir.");
        }
        if (names.Select(n => files.PathOf(n)).Select(p => (Path: p, Problem: SafeFiles.Problem(p))).FirstOrDefault(x => x.Problem is not null) is { Problem: { } problem } refused)
            throw new FormationException($"Cannot write the log file {refused.Path}: it {problem}. Remove it or choose another log directory (log_dir in formation.yml or --log-dir).");
        return files;
    }

    /// <summary>A writer for no particular names (for tests and other hosts).</summary>
    internal static LogFiles Create(string directory, long maxBytes, int keep) => new(directory, maxBytes, keep);

    /// <summary>Runs once, first, when the files are disposed: the feeder unsubscribes.</summary>
    public void OnDispose(Action detach) => _detach = detach;

    /// <summary>Queues one line for its process's file; writes the file's lines once 64 KiB wait. Never throws.</summary>
    public void Write(LogLine line)
    {
        var bytes = Utf8.GetBytes($"{line.Timestamp.ToString("yyyy-MM-ddTHH:mm:ss.fffzzz", CultureInfo.InvariantCulture)} {line.Line}\n");
        lock (_gate)
        {
            if (_disposed) return;
            if (!_files.TryGetValue(line.Process, out var file)) _files[line.Process] = file = new FileState(PathOf(line.Process));
            if (file.Broken) return;
            file.Pending.Write(bytes);
            file.Lines.Add(bytes.Length);
            if (file.Pending.Length >= FlushBytes) Append(file);
        }
    }

    /// <summary>Writes every queued line. Never throws.</summary>
    public void Flush()
    {
        lock (_gate)
        {
            foreach (var file in _files.Values) Append(file);
        }
    }

    public void Dispose()
    {
        Interlocked.Exchange(ref _detach, null)?.Invoke();
        lock (_gate)
        {
            if (_disposed) return;
            foreach (var file in _files.Values) Append(file);
            _disposed = true;
            _files.Clear();
        }
    }

    private string PathOf(string process) => Path.Combine(Directory, process + ".log");


    /// <summary>Appends the file's queued lines, rotating before a line that would not fit; gives the file up on any failure.</summary>
    private void Append(FileState file)
    {
        if (file.Lines.Count == 0) return;
        var bytes = file.Pending.GetBuffer();
        FileStream? stream = null;
        try
        {
            stream = SafeFiles.OpenAppend(file.Path);
            long size = stream.Length, start = 0, end = 0;
            foreach (var length in file.Lines)
            {
                if (size > 0 && size + length > MaxBytes)
                {
                    stream.Write(bytes, (int)start, (int)(end - start));
                    stream.Dispose();
                    Rotate(file.Path);
                    stream = SafeFiles.OpenAppend(file.Path);
                    (size, start) = (0, end);
                }
                size += length;
                end += length;
            }
            stream.Write(bytes, (int)start, (int)(end - start));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            file.Broken = true;
            Report($"formation: cannot write {file.Path}: {ex.Message}; its output is no longer written there.");
        }
        finally
        {
            stream?.Dispose();
            file.Pending.SetLength(0);
            file.Lines.Clear();
        }
    }

    /// <summary><c>x.log.(keep-1)</c> → <c>x.log.keep</c> … <c>x.log</c> → <c>x.log.1</c>; the oldest falls off. Renames never follow a link.</summary>
    private void Rotate(string path)
    {
        File.Delete($"{path}.{Keep}");
        for (var i = Keep - 1; i >= 1; i--)
            if (SafeFiles.Exists($"{path}.{i}")) File.Move($"{path}.{i}", $"{path}.{i + 1}", overwrite: true);
        if (Keep >= 1) File.Move(path, $"{path}.1", overwrite: true);
        else File.Delete(path);
    }

    private sealed class FileState(string path)
    {
        public string Path { get; } = path;
        public MemoryStream Pending { get; } = new();
        public List<int> Lines { get; } = [];
        public bool Broken { get; set; }
    }
}
