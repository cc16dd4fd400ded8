using System.Runtime.InteropServices;

namespace Formation.Engine.Os;

/// <summary>What an <see cref="EpollReader"/> calls for one registered pipe, on its one thread.</summary>
internal interface IPipeSink
{
    /// <summary>Bytes read from the pipe; the span is only valid during the call.</summary>
    void OnData(ReadOnlySpan<byte> data);

    /// <summary>The pipe reached end of file (every writer closed it) and has been closed.</summary>
    void OnEnd();
}

/// <summary>
/// One thread reads every child's output pipes (Linux epoll, level-triggered, non-blocking fds), so an
/// instance costs no thread of its own: spawning 100 instances no longer creates 200 threads, and 1,000
/// instances are possible. <c>epoll_wait</c> blocks without a timeout, so an idle formation uses no CPU.
/// Each ready pipe is read once per round (up to 16 KiB), which keeps a flooding process from starving others and
/// bounds one batch of lines: 16 KiB of 2-byte lines is 8,192 line objects, 64 KiB would be four times as many.
/// The thread never waits on a consumer: a sink whose consumer falls behind pauses its pipe
/// (<see cref="Pause"/>), leaving the bytes in the pipe (and so slowing only that writer) until it is resumed.
/// </summary>
internal sealed unsafe class EpollReader
{
    private const int MaxEvents = 256;
    private const int BufferSize = 16 * 1024;
    private static readonly Lazy<EpollReader> Lazy = new(() => new EpollReader(), LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly int EventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16; // packed on x86-64 only
    private static readonly int DataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    private readonly object _gate = new();
    private readonly Dictionary<long, Source> _sources = [];
    private readonly int _epoll;
    private long _nextId;

    private EpollReader()
    {
        _epoll = Native.epoll_create1(Native.O_CLOEXEC);
        if (_epoll < 0) throw new IOException($"epoll_create1 failed: {Native.LastError()}");
        new Thread(Loop, 256 * 1024) { IsBackground = true, Name = "formation output" }.Start();
    }

    /// <summary>Whether this platform reads pipes through epoll (Linux).</summary>
    public static bool Supported => Native.IsLinux;

    public static EpollReader Shared => Lazy.Value;

    /// <summary>Reads <paramref name="fd"/> until end of file, handing the bytes to the sink; then closes it. Returns its id.</summary>
    public long Add(int fd, IPipeSink sink)
    {
        var flags = Native.fcntl(fd, Native.F_GETFL, 0);
        Native.fcntl(fd, Native.F_SETFL, flags | Native.O_NONBLOCK_LINUX);
        long id;
        lock (_gate)
        {
            id = ++_nextId;
            _sources[id] = new Source(fd, sink);
            if (Register(fd, id) == 0) return id;
            _sources.Remove(id);
        }
        throw new IOException($"epoll_ctl failed: {Native.LastError()}");
    }

    /// <summary>Stops reading the pipe (its bytes wait in the pipe) until <see cref="Resume"/>.</summary>
    public void Pause(long id)
    {
        lock (_gate)
        {
            if (!_sources.TryGetValue(id, out var source) || source.Paused) return;
            source.Paused = true;
            Native.epoll_ctl(_epoll, Native.EPOLL_CTL_DEL, source.Fd, null);
        }
    }

    public void Resume(long id)
    {
        lock (_gate)
        {
            if (!_sources.TryGetValue(id, out var source) || !source.Paused) return;
            source.Paused = false;
            Register(source.Fd, id);
        }
    }

    private int Register(int fd, long id)
    {
        var ev = stackalloc byte[16];
        *(uint*)ev = Native.EPOLLIN;
        *(long*)(ev + DataOffset) = id;
        return Native.epoll_ctl(_epoll, Native.EPOLL_CTL_ADD, fd, ev);
    }

    private void Loop()
    {
        var events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * EventSize));
        var buffer = (byte*)NativeMemory.Alloc(BufferSize);
        while (true)
        {
            var n = Native.epoll_wait(_epoll, events, MaxEvents, -1);
            if (n < 0)
            {
                if (Marshal.GetLastPInvokeError() == Native.EINTR) continue;
                throw new IOException($"epoll_wait failed: {Native.LastError()}");
            }
            for (var i = 0; i < n; i++)
            {
                var id = *(long*)(events + i * EventSize + DataOffset);
                Source? source;
                lock (_gate)
                {
                    // A pipe paused earlier in this round may still have an event in this batch: leave it.
                    if (!_sources.TryGetValue(id, out source) || source.Paused) continue;
                }
                ReadOnce(id, source.Fd, source.Sink, buffer);
            }
        }
    }

    private void ReadOnce(long id, int fd, IPipeSink sink, byte* buffer)
    {
        while (true)
        {
            var got = Native.read(fd, buffer, BufferSize);
            if (got > 0)
            {
                sink.OnData(new ReadOnlySpan<byte>(buffer, (int)got));
                return;
            }
            if (got < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == Native.EINTR) continue;
                if (errno == Native.EAGAIN) return;
            }
            // End of file, or an error that ends the stream: unregister, close and tell the sink.
            lock (_gate)
            {
                Native.epoll_ctl(_epoll, Native.EPOLL_CTL_DEL, fd, null);
                Native.close(fd);
                _sources.Remove(id);
            }
            sink.OnEnd();
            return;
        }
    }

    private sealed class Source(int fd, IPipeSink sink)
    {
        public int Fd { get; } = fd;
        public IPipeSink Sink { get; } = sink;
        public bool Paused { get; set; }
    }
}
