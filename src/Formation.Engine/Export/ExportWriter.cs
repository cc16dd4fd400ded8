using Formation.Engine.Configuration;
using Formation.Engine.Os;

namespace Formation.Engine.Export;

/// <summary>
/// Writes an export's files into a directory: nothing is overwritten unless asked, and nothing is written
/// through a symbolic link (issue 19.7: in a shared folder, a link planted as <c>compose.yaml</c> would hand
/// another user's file the secrets). Each file is written beside its path and renamed over it.
/// </summary>
public static class ExportWriter
{
    /// <summary>The full path a file is written to.</summary>
    public static string PathOf(string directory, ExportFile file) => Path.GetFullPath(Path.Combine(directory, file.Name));

    /// <summary>Whether something is at the path: a file, or a symbolic link whether or not its target exists.</summary>
    public static bool Exists(string path) => SafeFiles.Exists(path);

    /// <summary>The files that already exist in <paramref name="directory"/> (see <see cref="Exists"/>).</summary>
    public static IReadOnlyList<string> Existing(ExportResult result, string directory) =>
        result.Files.Select(f => PathOf(directory, f)).Where(Exists).ToArray();

    /// <summary>Writes every file; the written paths.</summary>
    /// <exception cref="FormationConfigException">
    /// A path is a symbolic link or not a regular file, or a file exists and <paramref name="force"/> is false
    /// (nothing is written then); or a file cannot be written.
    /// </exception>
    public static IReadOnlyList<string> Write(ExportResult result, string directory, bool force)
    {
        var refused = result.Files.Select(f => PathOf(directory, f)).Select(p => (Path: p, Problem: Refusal(p))).Where(x => x.Problem is not null).ToList();
        if (refused.Count > 0)
            throw new FormationConfigException(refused.Select(x => new ConfigError(x.Path, 0, x.Problem!)).ToList());
        var existing = Existing(result, directory);
        if (existing.Count > 0 && !force)
            throw new FormationConfigException(existing.Select(p => new ConfigError(p, 0, "exists: pass --force (-Force) to overwrite it.")).ToList());
        return result.Files.Select(f => WriteFile(directory, f)).ToArray();
    }

    /// <summary>Writes one file (creating the directory): private files get mode 0600, the others 0644, before their content.</summary>
    /// <exception cref="FormationConfigException">The path is a symbolic link or not a regular file, or the file cannot be written.</exception>
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
            if (Refusal(path) is { } problem) throw new FormationConfigException(new ConfigError(path, 0, problem));
            SafeFiles.Replace(path, file.Content, file.Private ? SafeFiles.Private
                : SafeFiles.Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            return path;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new FormationConfigException(new ConfigError(path, 0, $"Cannot write the file: {ex.Message}"));
        }
    }

    /// <summary>Why a path must not be written to (a link, a directory...), or null. Another user's file is replaced, not written to.</summary>
    private static string? Refusal(string path) =>
        SafeFiles.Problem(path, othersFileReplaced: true) is { } problem
            ? $"{problem}, even with --force. Remove it or export to another directory."
            : null;
}
