using System.Text.RegularExpressions;

namespace Formation.Engine.Tests.Architecture;

/// <summary>
/// The engine's namespaces import one another without a cycle (Os ← Configuration ← Output ← Supervision ←
/// Control; Export beside them), read from the sources' using directives and qualified names.
/// </summary>
public partial class NamespaceTests
{
    [Fact]
    public void EngineNamespaces_ImportEachOther_WithoutACycle()
    {
        var root = Path.Combine(RepositoryRoot(), "src", "Formation.Engine");
        var edges = new Dictionary<string, HashSet<string>>();
        foreach (var file in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories).Where(f => !f.Contains("/obj/")))
        {
            var text = File.ReadAllText(file);
            if (OwnNamespace().Match(text) is not { Success: true } own) continue;
            var from = own.Groups[1].Value;
            foreach (Match used in Reference().Matches(text))
                if (used.Groups[1].Value != from) (edges.TryGetValue(from, out var set) ? set : edges[from] = []).Add(used.Groups[1].Value);
        }

        var cycle = FindCycle(edges);

        Assert.True(cycle is null, $"Namespace cycle: {string.Join(" -> ", cycle ?? [])}");
        Assert.Contains("Os", edges["Configuration"]);
        Assert.DoesNotContain("Supervision", edges["Configuration"]);
    }

    private static List<string>? FindCycle(Dictionary<string, HashSet<string>> edges)
    {
        var state = new Dictionary<string, int>();
        var path = new List<string>();
        foreach (var node in edges.Keys)
            if (Visit(node) is { } found) return found;
        return null;

        List<string>? Visit(string node)
        {
            if (state.GetValueOrDefault(node) == 2) return null;
            if (state.GetValueOrDefault(node) == 1) return [.. path.Skip(path.IndexOf(node)), node];
            state[node] = 1;
            path.Add(node);
            foreach (var next in edges.GetValueOrDefault(node) ?? [])
                if (Visit(next) is { } found) return found;
            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return null;
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Formation.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("No Formation.sln above the test assembly.");
    }

    [GeneratedRegex(@"^namespace Formation\.Engine\.(\w+);", RegexOptions.Multiline)]
    private static partial Regex OwnNamespace();

    [GeneratedRegex(@"\bFormation\.Engine\.(Configuration|Os|Output|Supervision|Control|Export)\b")]
    private static partial Regex Reference();
}
