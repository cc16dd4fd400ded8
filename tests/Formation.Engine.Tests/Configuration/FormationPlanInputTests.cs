using System.Diagnostics;
using System.Globalization;
using System.Text;
using Formation.Engine.Configuration;
using Xunit.Abstractions;

namespace Formation.Engine.Tests.Configuration;

/// <summary>
/// The fuzz loop of the issue 11 attack, as a test: Procfiles, .env files and formation.yml files mutated
/// from valid seeds by a seeded generator, read from real files the way a host reads them. Each case ends
/// in a plan or in our error naming the file, quickly and without a large allocation; never in another
/// exception, a hang, or a message that echoes a secret. Bounded in count and time; reproducible: set
/// FORMATION_FUZZ_SEED (and FORMATION_FUZZ_CASES) to replay or widen a run.
/// </summary>
public sealed class FormationPlanInputTests(ITestOutputHelper output) : IDisposable
{
    private const string Secret = "s3cr3t-fuzz-value";
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan PerCase = TimeSpan.FromSeconds(5);
    private const long MaxAllocated = 256L << 20;

    private static readonly string[] ProcfileSeeds =
    [
        "web: bundle exec puma -p $PORT\nworker: bundle exec sidekiq\n",
        "# comment\nweb: greet() { echo hi; }; greet\nclock: 2>/dev/null ./clock\n",
        "\uFEFFapi: node server.js\r\nweb-2: sh -c 'sleep 1 & wait'\n",
    ];

    private static readonly string[] EnvSeeds =
    [
        $"export A=1\nB=\"two $A\"\nC='lit $A'\nSECRET_KEY=\"{Secret}\"\nD=${{B:-x}}${{A}}\n",
        "A0=xx\nA1=${A0}${A0}\nA2=${A1}${A1}\nA3=${A2}${A2}\nA4=${A3}${A3}\n",
        $"MULTI=\"line one\nline two\"\nAPI_TOKEN={Secret} # note\n",
    ];

    private static readonly string[] ConfigSeeds =
    [
        "name: app\nport: 6000\nstop_timeout: 5s\nprocesses:\n  web: { count: 2, ready: { http: /health }, ready_timeout: 30s }\n  worker: { after: [web], restart: always }\n",
        $"env:\n  DB_PASSWORD: \"{Secret}\"\nprocesses:\n  worker: {{ stop_signal: INT, stop_timeout: 1h, restart_window: 2m, max_restarts: 3 }}\n",
        "processes:\n  web: { port: none, task: true, working_dir: . }\n  worker: { ready: { output: '^ready$' } }\n",
    ];

    private static readonly string[] Tokens =
    [
        "\n", "\r\n", " ", "\t", ":", "=", "#", "'", "\"", "\\", "$", "${", "}", "{", "(", ")", ";", "&", "|", ">", "2>", "\0",
        "\uFEFF", "é", "web", "Web", "WEB", "export ", "SECRET_KEY=", "${A4}${A4}${A4}${A4}", "4294968", "1200h", "50d", "-1",
        "[", "]", "- ", "&a", "*a", "!!", "---\n", "...", "%", "~", "null", "count: 100000", "after: [worker]", "ready:", "10000",
    ];

    private readonly string _dir = Directory.CreateTempSubdirectory("formation-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Fuzz_ProcfileEnvAndConfig_EndInAPlanOrOurError()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("FORMATION_FUZZ_SEED"), CultureInfo.InvariantCulture, out var s) ? s : 20261201;
        var cases = int.TryParse(Environment.GetEnvironmentVariable("FORMATION_FUZZ_CASES"), CultureInfo.InvariantCulture, out var c) ? c : 600;
        var random = new Random(seed);
        var total = Stopwatch.StartNew();
        int run = 0, plans = 0, errors = 0;
        for (; run < cases && total.Elapsed < Budget; run++)
        {
            var procfile = Mutate(random, ProcfileSeeds[random.Next(ProcfileSeeds.Length)]);
            var env = Mutate(random, EnvSeeds[random.Next(EnvSeeds.Length)]);
            var config = random.Next(3) == 0 ? null : Mutate(random, ConfigSeeds[random.Next(ConfigSeeds.Length)]);
            var where = $"seed {seed}, case {run} (FORMATION_FUZZ_SEED={seed} replays it)";
            switch (RunCase(procfile, env, config, where))
            {
                case true: plans++; break;
                default: errors++; break;
            }
        }
        output.WriteLine($"seed {seed}: {run} cases in {total.Elapsed.TotalSeconds:0.0} s: {plans} plans, {errors} errors");
        Assert.True(run >= Math.Min(cases, 100), $"only {run} cases ran within {Budget}: the parsers got slow");
    }

    /// <summary>True for a plan, false for our error; fails the test for anything else.</summary>
    private bool RunCase(string procfile, string env, string? config, string where)
    {
        File.WriteAllText(Path.Combine(_dir, "Procfile"), procfile, new UTF8Encoding(false));
        File.WriteAllText(Path.Combine(_dir, ".env"), env, new UTF8Encoding(false));
        if (config is not null) File.WriteAllText(Path.Combine(_dir, "formation.yml"), config, new UTF8Encoding(false));
        else File.Delete(Path.Combine(_dir, "formation.yml"));
        var options = new FormationOptions
        {
            Procfile = Path.Combine(_dir, "Procfile"),
            EnvFiles = [Path.Combine(_dir, ".env")],
            Config = config is null ? "" : null,
            InheritedEnvironment = new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin" },
            Port = 20000,
        };
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        try
        {
            FormationPlan.Create(options);
            return true;
        }
        catch (FormationConfigException ex)
        {
            Assert.True(ex.Errors.Count > 0, $"{where}: an error without errors");
            Assert.All(ex.Errors, e => Assert.False(string.IsNullOrWhiteSpace(e.Message), $"{where}: an empty message"));
            Assert.All(ex.Errors, e => Assert.True(e.File is null || e.File.StartsWith(_dir, StringComparison.Ordinal), $"{where}: no file named: {e}"));
            // A mutation may rename SECRET_KEY to something not secret-looking; then its value may be shown.
            var hidden = new[] { procfile, env, config ?? "" }.SelectMany(t => t.Split('\n'))
                .Where(l => l.Contains(Secret, StringComparison.Ordinal)).All(l => !ConfigText.MaskSecrets(l).Contains(Secret, StringComparison.Ordinal));
            Assert.True(!hidden || !ex.Message.Contains(Secret, StringComparison.Ordinal), $"{where}: a secret in the message: {ex.Message}\n--- .env\n{env}\n--- formation.yml\n{config}");
            Assert.True(ex.Message.Length < 64 * 1024, $"{where}: a message of {ex.Message.Length} characters");
            return false;
        }
        catch (Exception ex)
        {
            Assert.Fail($"{where}: {ex.GetType().Name}: {ex.Message}\n--- Procfile\n{procfile}\n--- .env\n{env}\n--- formation.yml\n{config}");
            throw;
        }
        finally
        {
            Assert.True(watch.Elapsed < PerCase, $"{where}: took {watch.Elapsed.TotalSeconds:0.0} s");
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocated < MaxAllocated, $"{where}: allocated over {MaxAllocated >> 20} MiB");
        }
    }

    /// <summary>Up to five edits: insert or replace a token, delete a span, duplicate a line, or swap two lines.</summary>
    private static string Mutate(Random random, string text)
    {
        var sb = new StringBuilder(text);
        for (var edits = random.Next(0, 6); edits > 0; edits--)
        {
            var at = random.Next(sb.Length + 1);
            switch (random.Next(5))
            {
                case 0:
                    sb.Insert(at, Tokens[random.Next(Tokens.Length)]);
                    break;
                case 1 when at < sb.Length:
                    sb.Remove(at, Math.Min(random.Next(1, 6), sb.Length - at));
                    break;
                case 2 when at < sb.Length:
                    sb[at] = (char)random.Next(0, 0x80);
                    break;
                case 3:
                    var lines = sb.ToString().Split('\n');
                    var line = lines[random.Next(lines.Length)];
                    sb.Insert(at, line + "\n");
                    break;
                default:
                    var all = sb.ToString().Split('\n');
                    if (all.Length < 2) break;
                    var (i, j) = (random.Next(all.Length), random.Next(all.Length));
                    (all[i], all[j]) = (all[j], all[i]);
                    sb.Clear().Append(string.Join('\n', all));
                    break;
            }
        }
        return sb.ToString();
    }
}
