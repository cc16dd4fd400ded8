using System.Diagnostics;

namespace Formation.Engine.Tests.Export;

/// <summary>
/// The engines' own validators, run on generated files: <c>systemd-analyze verify</c> (nothing on stderr),
/// docker-compose 1.29's loader (<c>docker-compose config -q</c>, or many files in one process through
/// tests/validators/compose_config.py) and the Kubernetes OpenAPI schemas (npm kubernetes-models, through
/// tests/validators/validate.mjs). <c>.ci/validators.sh</c> installs them. A missing validator fails the test
/// in CI (CI set) and skips it elsewhere, saying so.
/// </summary>
internal static class Validators
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    public static string Repository { get; } = FindRepository();

    private static string Scripts => Path.Combine(Repository, "tests", "validators");

    /// <summary><c>systemd-analyze verify</c> on every unit in one call: exit 0 and an empty stderr.</summary>
    public static void Systemd(IReadOnlyCollection<string> units)
    {
        Require("systemd-analyze", OnPath("systemd-analyze"));
        var (code, _, stderr) = Run("systemd-analyze", ["verify", .. units]);
        Assert.True(code == 0 && stderr.Trim().Length == 0, $"systemd-analyze verify (exit {code}):\n{stderr}");
    }

    /// <summary><c>docker-compose -f FILE config -q</c> for one file; docker-compose's loader in one process for many.</summary>
    public static void Compose(IReadOnlyCollection<string> files)
    {
        Require("docker-compose", OnPath("docker-compose"));
        var (code, stdout, stderr) = files.Count == 1
            ? Run("docker-compose", ["-f", files.First(), "config", "-q"])
            : Run("/usr/bin/python3", [Path.Combine(Scripts, "compose_config.py"), .. files]);
        Assert.True(code == 0 && stderr.Trim().Length == 0, $"docker-compose config (exit {code}):\n{stdout}\n{stderr}");
    }

    /// <summary>Every object of every file against the Kubernetes OpenAPI schemas (kubernetes-models); the number of objects.</summary>
    public static int Kubernetes(IReadOnlyCollection<string> files)
    {
        Require("node with tests/validators/node_modules", OnPath("node") && Directory.Exists(Path.Combine(Scripts, "node_modules", "kubernetes-models")));
        var (code, stdout, stderr) = Run("node", [Path.Combine(Scripts, "validate.mjs"), .. files]);
        Assert.True(code == 0, $"kubernetes-models (exit {code}):\n{stderr}");
        return int.Parse(stdout.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Each file read by three YAML readers: PyYAML's SafeLoader (YAML 1.1, what docker-compose 1.29 reads with,
    /// tests/validators/yaml_read.py) and the npm <c>yaml</c> package as a 1.2 and as a 1.1 reader
    /// (yaml_read.mjs). Each must accept every file; per reader, the documents of each file as JSON.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<System.Text.Json.Nodes.JsonNode>> ReadYaml(IReadOnlyCollection<string> files)
    {
        Require("PyYAML (python3-yaml)", File.Exists("/usr/bin/python3") && OnPath("docker-compose"));
        Require("node with tests/validators/node_modules", OnPath("node") && Directory.Exists(Path.Combine(Scripts, "node_modules", "yaml")));
        var result = new Dictionary<string, IReadOnlyList<System.Text.Json.Nodes.JsonNode>>();
        foreach (var (reader, program, args) in new[]
                 {
                     ("PyYAML (YAML 1.1)", "/usr/bin/python3", new[] { Path.Combine(Scripts, "yaml_read.py") }),
                     ("yaml 1.2", "node", [Path.Combine(Scripts, "yaml_read.mjs"), "1.2"]),
                     ("yaml 1.1", "node", [Path.Combine(Scripts, "yaml_read.mjs"), "1.1"]),
                 })
        {
            var (code, stdout, stderr) = Run(program, [.. args, .. files]);
            Assert.True(code == 0 && stderr.Trim().Length == 0, $"{reader} (exit {code}):\n{stderr}");
            var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(files.Count, lines.Length);
            result[reader] = lines.Select(l => System.Text.Json.Nodes.JsonNode.Parse(l)!).ToArray();
        }
        return result;
    }

    private static void Require(string what, bool present)
    {
        if (present) return;
        var message = $"The validator {what} is not installed: run .ci/validators.sh.";
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"))) Assert.Fail(message + " (CI is set: a missing validator fails.)");
        Skip.If(true, message + " Skipped because CI is not set.");
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, program)));

    private static (int Code, string Stdout, string Stderr) Run(string program, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
            StandardOutputEncoding = System.Text.Encoding.UTF8, StandardErrorEncoding = System.Text.Encoding.UTF8,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment.Remove("COMPOSE_FILE");
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(Patience))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            Assert.Fail($"{program} did not finish within {Patience}.");
        }
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    private static string FindRepository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Formation.sln"))) return dir.FullName;
        throw new InvalidOperationException("Formation.sln not found above " + AppContext.BaseDirectory);
    }
}
