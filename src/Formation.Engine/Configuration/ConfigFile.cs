using System.Text;
using Formation.Engine.Os;

namespace Formation.Engine.Configuration;

/// <summary>
/// Reads a configuration file (Procfile, .env, formation.yml) safely: only a regular file (a FIFO would
/// block forever, <c>/dev/zero</c> never ends), at most <see cref="MaxBytes"/>, as UTF-8. Every refusal
/// names the file and says what to do.
/// </summary>
internal static class ConfigFile
{
    /// <summary>The largest configuration file read (1 MiB): far above any real Procfile, .env or formation.yml.</summary>
    public const int MaxBytes = 1024 * 1024;

    /// <summary>
    /// Reads the file. A missing file is an error that says which full path was tried and what to do
    /// (<paramref name="missingHint"/>); anything else that cannot be read names the file and the reason.
    /// </summary>
    /// <exception cref="FormationConfigException">The file is missing, not a regular file, too large or unreadable.</exception>
    public static (string FullPath, string Text) Read(string path, string what, string missingHint, ConfigErrorKind missing)
    {
        var full = Path.GetFullPath(path);
        var status = FileStatus.Of(full);
        switch (status.Kind)
        {
            case FileKind.Missing:
                throw Error(null, $"No {what} found at '{full}'. {missingHint}", missing);
            case FileKind.Directory:
                throw Error(full, $"This is a directory, not a {what}: name the file itself. {missingHint}");
            case FileKind.Regular or FileKind.Unknown:
                break;
            default:
                throw Error(full, $"This is a {FileStatus.Describe(status.Kind)}, not a regular file: a {what} must be a file. {missingHint}");
        }
        if (status.Size > MaxBytes) throw TooLarge(full, what);
        try
        {
            using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
            var buffer = new byte[Math.Min(MaxBytes + 1, Math.Max(status.Size + 1, 4096))];
            var total = 0;
            int n;
            while ((n = stream.Read(buffer, total, buffer.Length - total)) > 0)
            {
                total += n;
                if (total > MaxBytes) throw TooLarge(full, what);
                if (total == buffer.Length) Array.Resize(ref buffer, Math.Min(MaxBytes + 1, buffer.Length * 2));
            }
            var text = new UTF8Encoding(false).GetString(buffer, 0, total);
            return (full, text.StartsWith('\uFEFF') ? text[1..] : text);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw Error(null, $"No {what} found at '{full}'. {missingHint}", missing);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Error(full, $"Cannot read the {what}: {ex.Message}");
        }
    }

    private static FormationConfigException TooLarge(string full, string what) =>
        Error(full, $"The {what} is larger than {MaxBytes / 1024 / 1024} MiB, the most Formation reads: is this the right file?");

    private static FormationConfigException Error(string? file, string message, ConfigErrorKind kind = ConfigErrorKind.Invalid) =>
        new(new ConfigError(file, 0, message) { Kind = kind });
}
