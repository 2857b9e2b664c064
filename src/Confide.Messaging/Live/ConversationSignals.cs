using System.Collections.Concurrent;
using System.Threading.Channels;
using Confide.Data;
using Confide.Data.Notifications;
using Confide.Platform;

namespace Confide.Messaging.Live;

/// <summary>A conversation of a workspace changed: a new part, a state or assignee change.</summary>
/// <remarks>Carries ids only: whoever listens reads the change through its own authorised query.</remarks>
public sealed record ConversationChanged(string WorkspaceId, string ConversationId, string ContactId);

/// <summary>
/// Tells live views (the inbox, the messenger) that a conversation changed: the watchers in this
/// process at once, and those of the other processes sharing a PostgreSQL cell through
/// <see cref="CellNotifications"/> (typically within milliseconds).
/// Each watcher has a small buffer that drops the oldest signal when full: a slow reader misses
/// signals, never data, because it re-reads the conversation when it wakes.
/// </summary>
/// <remarks>
/// A signal lost on the way between processes (the listening connection was down) is made up
/// for by the views' own re-read on a timer (docs/messenger.md, "Live updates").
/// </remarks>
public sealed class ConversationSignals
{
    private const string Topic = "conversation";
    private const int BufferPerWatcher = 64;
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Channel<ConversationChanged>, byte>> _watchers = new(StringComparer.Ordinal);
    private readonly CellRegistry _cells;
    private readonly CellNotifications _notifications;

    public ConversationSignals(CellRegistry cells, CellNotifications notifications)
    {
        _cells = cells;
        _notifications = notifications;
        // The views re-read on their own timer, which covers what a lost connection missed.
        notifications.Subscribe(Topic, (_, payload) => Receive(payload), resync: _ => { });
    }

    public void Publish(ConversationChanged change)
    {
        PublishHere(change);
        if (PublicIds.TryGetWorkspaceRegion(change.WorkspaceId, out var region) && region is not null && _cells.Serves(region))
        {
            _ = _notifications.PublishAsync(_cells.Get(region), Topic, $"{change.WorkspaceId} {change.ConversationId} {change.ContactId}");
        }
    }

    private void Receive(string payload)
    {
        var ids = payload.Split(' ');
        if (ids.Length == 3)
        {
            PublishHere(new ConversationChanged(ids[0], ids[1], ids[2]));
        }
    }

    private void PublishHere(ConversationChanged change)
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
