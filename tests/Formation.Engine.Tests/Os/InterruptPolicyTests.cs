using System.Runtime.InteropServices;
using Formation.Engine.Os;

namespace Formation.Engine.Tests.Os;

/// <summary>The one Ctrl+C / TERM / HUP escalation of both hosts (issue 11.2), as scripted histories.</summary>
public class InterruptPolicyTests
{
    private static InterruptAction[] Run(params (PosixSignal Signal, int AtMs)[] history)
    {
        var policy = new InterruptPolicy();
        return history.Select(h => policy.Decide(h.Signal, TimeSpan.FromMilliseconds(h.AtMs))).ToArray();
    }

    [Fact]
    public void TwoHangupsTogether_StopGracefully() =>
        Assert.Equal([InterruptAction.Stop, InterruptAction.Ignore], Run((PosixSignal.SIGHUP, 0), (PosixSignal.SIGHUP, 2)));

    [Fact]
    public void AHangupAfterCtrlC_DoesNotKill() =>
        Assert.Equal([InterruptAction.Stop, InterruptAction.Ignore], Run((PosixSignal.SIGINT, 0), (PosixSignal.SIGHUP, 3_000)));

    [Fact]
    public void SecondCtrlC_Kills_HoweverSoon() =>
        Assert.Equal([InterruptAction.Stop, InterruptAction.Kill], Run((PosixSignal.SIGINT, 0), (PosixSignal.SIGINT, 50)));

    [Fact]
    public void SecondTerm_WithinTheWindow_IsTheSameRequest_AfterIt_Kills() =>
        Assert.Equal([InterruptAction.Stop, InterruptAction.Ignore, InterruptAction.Kill],
            Run((PosixSignal.SIGTERM, 0), (PosixSignal.SIGTERM, 100), (PosixSignal.SIGTERM, 1_000)));

    [Fact]
    public void CtrlCAfterAHangup_Kills() =>
        Assert.Equal([InterruptAction.Stop, InterruptAction.Kill], Run((PosixSignal.SIGHUP, 0), (PosixSignal.SIGINT, 10)));

    [Fact]
    public void Describe_SaysWhatHappens()
    {
        Assert.Equal("SIGINT received, stopping all processes", InterruptPolicy.Describe(PosixSignal.SIGINT, InterruptAction.Stop, again: false));
        Assert.Equal("SIGINT received again, killing all processes", InterruptPolicy.Describe(PosixSignal.SIGINT, InterruptAction.Kill, again: true));
        Assert.Equal("SIGHUP received again: the same request, still stopping gracefully", InterruptPolicy.Describe(PosixSignal.SIGHUP, InterruptAction.Ignore, again: true));
    }
}
