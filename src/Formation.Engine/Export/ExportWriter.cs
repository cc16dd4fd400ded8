using Formation.Engine.Configuration;

namespace Formation.Engine.Export;

/// <summary>Writes an export's files into a directory: nothing is overwritten unless asked.</summary>
public static class ExportWriter
{
    /// <summary>The full path a file is written to.</summary>
    public static string PathOf(string directory, ExportFile file) => Path.GetFullPath(Path.Combine(directory, file.Name));

    /// <summary>The files that already exist in <paramref name="directory"/>.</summary>
    public static IReadOnlyList<string> Existing(ExportResult result, string directory) =>
        result.Files.Select(f => PathOf(directory, f)).Where(File.Exists).ToArray();

    /// <summary>Writes every file; the written paths.</summary>
    /// <exception cref="FormationConfigException">A file exists and <paramref name="force"/> is false (nothing is written then), or cannot be written.</exception>
    public static IReadOnlyList<string> Write(ExportResult result, string directory, bool force)
    {
        var existing = Existing(result, directory);
        if (existing.Count > 0 && !force)
            throw new FormationConfigException(existing.Select(p => new ConfigError(p, 0, "exists: pass --force (-Force) to overwrite it.")).ToList());
        return result.Files.Select(f => WriteFile(directory, f)).ToArray();
    }

    /// <summary>Writes one file (creating the directory); a private file gets mode 0600 before its content.</summary>
    public static string WriteFile(string directory, ExportFile file)
    {
        var path = PathOf(directory, file);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            if (OperatingSystem.IsWindows())
            {
                File.WriteAllText(path, file.Content);
                return path;
            }
            var mode = file.Private ? UnixFileMode.UserRead | UnixFileMode.UserWrite
                : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
            using (var stream = new FileStream(path, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = mode }))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(file.Content);
            }
            File.SetUnixFileMode(path, mode);
            return path;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new FormationConfigException(new ConfigError(path, 0, $"Cannot write the file: {ex.Message}"));
        }
    }
}
