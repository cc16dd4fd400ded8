using System.Buffers;
using Formation.Engine.Os;
using Formation.Engine.Output;

namespace Formation.Engine.Supervision;

/// <summary>Turns one pipe's bytes into whole lines and queues them for the subscribers (and the ready matcher).</summary>
internal sealed class OutputPump(EventDispatcher events, OutputFlow flow, ManagedProcess process, ProcessRun run, LogStream kind) : IPipeSink
{
    private const int ReadBufferSize = 16 * 1024;
    private const int ReaderStackSize = 128 * 1024;

    private readonly LineSplitter _splitter = new();
    private readonly ManualResetEventSlim _room = new(true);
    private List<string> _lines = [];
    private long _epollId;

    /// <summary>Reads a pipe until end of file: through the shared epoll loop on Linux, else on a thread of its own.</summary>
    public static void Start(EventDispatcher events, OutputFlow flow, ManagedProcess p, ProcessRun run, int fd, LogStream kind)
    {
        var pump = new OutputPump(events, flow, p, run, kind);
        if (EpollReader.Supported)
        {
            Interlocked.Exchange(ref pump._epollId, EpollReader.Shared.Add(fd, pump));
            return;
        }
        var stream = SpawnedChild.OpenStream(fd);
        new Thread(() => pump.ReadBlocking(stream), ReaderStackSize) { IsBackground = true, Name = $"{p.Name} {kind}" }.Start();
    }

    public void OnData(ReadOnlySpan<byte> data)
    {
        _splitter.Push(data, _lines);
        if (_lines.Count == 0) return;
        Deliver();
    }

    public void OnEnd()
    {
        _splitter.Flush(_lines);
        if (_lines.Count > 0) Deliver();
        run.ReaderFinished();
    }

    private void Deliver()
    {
        var texts = _lines;
        _lines = [];
        var now = events.Now;
        var lines = new LogLine[texts.Count];
        long chars = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            lines[i] = new LogLine(now, events.Formation, process.Name, process.Type.Name, kind, texts[i]);
            chars += texts[i].Length;
        }
        var weight = OutputFlow.Weight(lines.Length, chars);
        // The crash record is kept here, not by the dispatcher: the exit report waits for the readers, so it sees every line.
        foreach (var line in lines.AsSpan(Math.Max(0, lines.Length - ManagedProcess.LastOutputLines))) process.Recent.Add(line);
        if (events.Output(process, lines, weight)) flow.Queued(weight, Pause, Resume);
        run.Matcher?.Offer(texts);
        if (!EpollReader.Supported) _room.Wait();
    }

    private void Pause()
    {
        if (EpollReader.Supported) EpollReader.Shared.Pause(Interlocked.Read(ref _epollId));
        else _room.Reset();
    }

    private void Resume()
    {
        if (EpollReader.Supported) EpollReader.Shared.Resume(Interlocked.Read(ref _epollId));
        else _room.Set();
    }

    private void ReadBlocking(Stream stream)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ReadBufferSize);
        try
        {
            while (true)
            {
                int n;
                try
                {
                    n = stream.Read(buffer, 0, ReadBufferSize);
                }
                catch (IOException)
                {
                    break;
                }
                if (n <= 0) break;
                OnData(buffer.AsSpan(0, n));
            }
        }
        finally
        {
            stream.Dispose();
            ArrayPool<byte>.Shared.Return(buffer);
            OnEnd();
        }
    }
}
