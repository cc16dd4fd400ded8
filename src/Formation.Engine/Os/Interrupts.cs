using System.Runtime.InteropServices;

namespace Formation.Engine.Os;

/// <summary>What a host does with a stop request that arrives by signal.</summary>
public enum InterruptAction
{
    /// <summary>The first request: stop gracefully (stop signal, then SIGKILL after the timeout).</summary>
    Stop,

    /// <summary>A second request from the user: SIGKILL every group now.</summary>
    Kill,

    /// <summary>A duplicate of a request already acted on: the graceful stop goes on.</summary>
    Ignore,
}

/// <summary>
/// The one Ctrl+C / TERM / HUP escalation of every host (the CLI's <c>start</c>, <c>Start-Formation -Wait</c>):
/// the first request stops gracefully; a second request from the user kills. A hangup never escalates:
/// closing a terminal sends SIGHUP twice (the shell forwards one, the kernel sends one), and neither is
/// the user insisting. A SIGTERM within <see cref="DuplicateWindow"/> of the previous one is the same
/// request delivered twice (a process manager signalling the process and its group). A second Ctrl+C is
/// always the user's. Pure: the time is passed in.
/// </summary>
public sealed class InterruptPolicy
{
    /// <summary>How soon after a SIGTERM another one counts as the same request.</summary>
    public static readonly TimeSpan DuplicateWindow = TimeSpan.FromMilliseconds(500);

    private PosixSignal? _last;
    private TimeSpan _lastAt;

    /// <summary>Decides what the request <paramref name="signal"/>, received at <paramref name="now"/>, does.</summary>
    /// <param name="signal">SIGINT, SIGTERM or SIGHUP.</param>
    /// <param name="now">Any monotonic time (the same clock for every call).</param>
    public InterruptAction Decide(PosixSignal signal, TimeSpan now)
    {
        var previous = _last;
        var previousAt = _lastAt;
        _last = signal;
        _lastAt = now;
        if (previous is null) return InterruptAction.Stop;
        if (signal == PosixSignal.SIGHUP) return InterruptAction.Ignore;
        if (signal == PosixSignal.SIGTERM && previous == PosixSignal.SIGTERM && now - previousAt < DuplicateWindow) return InterruptAction.Ignore;
        return InterruptAction.Kill;
    }

    /// <summary>The system line for a decision: <c>SIGINT received, stopping all processes</c>.</summary>
    public static string Describe(PosixSignal signal, InterruptAction action, bool again)
    {
        var name = Signals.Name(signal switch
        {
            PosixSignal.SIGINT => Signals.Number("INT"),
            PosixSignal.SIGTERM => Signals.Term,
            _ => Signals.Number("HUP"),
        });
        var received = again ? $"{name} received again" : $"{name} received";
        return action switch
        {
            InterruptAction.Stop => $"{received}, stopping all processes",
            InterruptAction.Kill => $"{received}, killing all processes",
            _ => $"{received}: the same request, still stopping gracefully",
        };
    }
}

/// <summary>Routes SIGINT, SIGTERM and SIGHUP through one <see cref="InterruptPolicy"/> while it lives.</summary>
public sealed class Interrupts : IDisposable
{
    private readonly object _gate = new();
    private readonly InterruptPolicy _policy = new();
    private readonly TimeProvider _time;
    private readonly Action<InterruptAction, string> _act;
    private readonly long _started;
    private readonly PosixSignalRegistration[] _registrations;
    private PosixSignal? _last;

    /// <summary>Starts handling the signals: each request is decided and passed to <paramref name="act"/> with its system line.</summary>
    /// <param name="act">Called on a signal thread: Stop → stop gracefully, Kill → kill now, Ignore → at most log the line.</param>
    /// <param name="time">The clock (tests); the system clock by default.</param>
    public Interrupts(Action<InterruptAction, string> act, TimeProvider? time = null)
    {
        _act = act;
        _time = time ?? TimeProvider.System;
        _started = _time.GetTimestamp();
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal),
        ];
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        InterruptAction action;
        bool again;
        lock (_gate)
        {
            action = _policy.Decide(context.Signal, _time.GetElapsedTime(_started));
            again = _last == context.Signal;
            _last = context.Signal;
        }
        _act(action, InterruptPolicy.Describe(context.Signal, action, again));
    }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
    }
}
