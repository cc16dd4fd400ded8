using System.Text.RegularExpressions;
using System.Threading.Channels;

namespace Formation.Engine.Supervision;

/// <summary>
/// Matches one run's output lines against its ready pattern on a task of its own, never on the reader:
/// a pathological pattern (each match may run up to the regex's 1 s timeout) delays only this run's
/// readiness, never any process's output. Lines wait in a bounded queue; when the matcher falls that far
/// behind, the oldest waiting batches are skipped.
/// </summary>
internal sealed class ReadyMatcher
{
    private const int MaxWaitingBatches = 256;

    private readonly Channel<List<string>> _batches = Channel.CreateBounded<List<string>>(new BoundedChannelOptions(MaxWaitingBatches)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.DropOldest,
    });

    public ReadyMatcher(Regex pattern, Action onMatch) => _ = Task.Run(() => MatchAsync(pattern, onMatch));

    /// <summary>Queues a batch of lines (the caller gives up the list); never blocks.</summary>
    public void Offer(List<string> lines) => _batches.Writer.TryWrite(lines);

    public void Complete() => _batches.Writer.TryComplete();

    private async Task MatchAsync(Regex pattern, Action onMatch)
    {
        await foreach (var batch in _batches.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (!batch.Exists(line => SafeMatch(pattern, line))) continue;
            Complete();
            onMatch();
            return;
        }
    }

    private static bool SafeMatch(Regex regex, string text)
    {
        try
        {
            return regex.IsMatch(text);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }
}
