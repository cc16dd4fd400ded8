using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using Formation.Engine.Configuration;
using Formation.Engine.Output;

// dotnet run -c Release --project bench/Formation.Benchmarks -- --filter '*'   (add --job short for a quick run)
BenchmarkSwitcher.FromAssembly(typeof(ParserBenchmarks).Assembly).Run(args);

/// <summary>The Procfile and .env parsers on files of realistic size.</summary>
[MemoryDiagnoser]
public class ParserBenchmarks
{
    private string _procfile = "";
    private string _dotenv = "";

    [GlobalSetup]
    public void Setup()
    {
        _procfile = string.Concat(Enumerable.Range(0, 50).Select(i => $"# type {i}\nworker{i}: bundle exec sidekiq -q queue{i} -c $CONCURRENCY\n"));
        _dotenv = string.Concat(Enumerable.Range(0, 100).Select(i => (i % 3) switch
        {
            0 => $"KEY_{i}=plain-value-{i} # comment\n",
            1 => $"export QUOTED_{i}=\"line one\\nline two ${{KEY_{i - 1}}}\"\n",
            _ => $"LITERAL_{i}='literal $NOT_EXPANDED'\n",
        }));
    }

    [Benchmark]
    public int Procfile_50Types() => Procfile.Parse(_procfile, "Procfile").Types.Count;

    [Benchmark]
    public int DotEnv_100Entries() => DotEnv.Parse(_dotenv, ".env", _ => null).Count;
}

/// <summary>
/// The per-line hot path: cutting pipe reads into lines, and rendering a line with its prefix.
/// Each operation handles <see cref="Lines"/> lines; divide the time and the allocations by it.
/// </summary>
[MemoryDiagnoser]
public class LineBenchmarks
{
    public const int Lines = 10_000;
    private byte[] _chunk = [];
    private LogLine[] _records = [];
    private LogFormatter _formatter = null!;
    private readonly StringBuilder _output = new(1 << 20);
    private readonly List<string> _lines = new(Lines);

    [GlobalSetup]
    public void Setup()
    {
        _chunk = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(1, Lines).Select(i => $"emit.1 line {i} of 200000 xxxxxxxxxxxxxxxxxxxx\n")));
        var now = DateTimeOffset.Now;
        _records = Enumerable.Range(1, Lines).Select(i => new LogLine(now, "app", "web.1", "web", LogStream.StdOut, $"line {i} of 200000")).ToArray();
        _formatter = new LogFormatter(["web.1", "worker.1"], timestamps: true, colour: true);
    }

    [Benchmark(OperationsPerInvoke = Lines)]
    public int Split_PerLine()
    {
        _lines.Clear();
        var splitter = new LineSplitter();
        for (var offset = 0; offset < _chunk.Length; offset += 64 * 1024)
            splitter.Push(_chunk.AsSpan(offset, Math.Min(64 * 1024, _chunk.Length - offset)), _lines);
        return _lines.Count;
    }

    [Benchmark(OperationsPerInvoke = Lines)]
    public int Format_PerLine()
    {
        _output.Clear();
        foreach (var record in _records) _formatter.Append(_output, record);
        return _output.Length;
    }
}
