using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Confide.Messaging.Live;

/// <summary>A conversation of a workspace changed: a new part, a state or assignee change.</summary>
/// <remarks>Carries ids only: whoever listens reads the change through its own authorised query.</remarks>
public sealed record ConversationChanged(string WorkspaceId, string ConversationId, string ContactId);

/// <summary>
/// Tells live views (the inbox, the messenger) that a conversation changed, within this process.
/// Each watcher has a small buffer that drops the oldest signal when full: a slow reader misses
/// signals, never data, because it re-reads the conversation when it wakes.
/// </summary>
/// <remarks>
/// Several app instances behind one regional database do not see each other's signals; the
/// views also re-read on a timer (docs/messenger.md, "Live updates").
/// </remarks>
public sealed class ConversationSignals
{
    private const int BufferPerWatcher = 64;
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Channel<ConversationChanged>, byte>> _watchers = new(StringComparer.Ordinal);

    public void Publish(ConversationChanged change)
    {
        if (_watchers.TryGetValue(change.WorkspaceId, out var channels))
        {
            foreach (var channel in channels.Keys)
            {
                channel.Writer.TryWrite(change);
            }
        }
    }

    /// <summary>The workspace's changes from now until <paramref name="ct"/> ends.</summary>
    public async IAsyncEnumerable<ConversationChanged> WatchAsync(string workspaceId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var channel = Channel.CreateBounded<ConversationChanged>(new BoundedChannelOptions(BufferPerWatcher)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        var channels = _watchers.GetOrAdd(workspaceId, _ => new ConcurrentDictionary<Channel<ConversationChanged>, byte>());
        channels.TryAdd(channel, 0);
        try
        {
            await foreach (var change in channel.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                yield return change;
            }
        }
        finally
        {
            channels.TryRemove(channel, out _);
        }
    }
}
