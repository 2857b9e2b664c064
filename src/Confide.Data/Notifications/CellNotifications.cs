using System.Collections.Concurrent;
using Confide.Platform;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Confide.Data.Notifications;

/// <summary>
/// Signals between the processes that share a PostgreSQL cell, over PostgreSQL's own
/// LISTEN/NOTIFY: a conversation changed (so an inbox open on another process updates), a
/// contact's keys were destroyed (so no other process keeps them cached). A signal carries
/// public ids only, never personal data, and is sent after the change it announces committed.
/// </summary>
/// <remarks>
/// Delivery is at most once: a process whose listening connection is down misses what was sent
/// meanwhile, and is told through <see cref="Subscribe"/>'s <c>resync</c> callback when it
/// listens again, so each subscriber can re-read what it shows. A SQLite cell has one process,
/// so nothing crosses a process boundary there and every call here is a no-op.
/// </remarks>
public sealed partial class CellNotifications(ILogger<CellNotifications> logger, TimeProvider time)
{
    /// <summary>The one PostgreSQL channel Confide listens on; the topic travels in the payload.</summary>
    internal const string Channel = "confide_signals";

    /// <summary>PostgreSQL refuses payloads of 8000 bytes or more.</summary>
    private const int MaxPayloadBytes = 7900;

    private readonly ConcurrentDictionary<string, ImmutableHandlers> _topics = new(StringComparer.Ordinal);
    private readonly LogRateLimiter _failureLog = new(time);

    /// <summary>Tells this process's own signals apart from the other processes' ones.</summary>
    internal string Origin { get; } = Guid.NewGuid().ToString("N");

    private sealed record Handler(Action<Region, string> OnSignal, Action<Region> Resync);

    private sealed record ImmutableHandlers(Handler[] Items);

    /// <summary>
    /// Calls <paramref name="onSignal"/> with each payload another process sends on
    /// <paramref name="topic"/>, and <paramref name="resync"/> when signals of a cell may have been
    /// missed (its listening connection was lost and is back).
    /// </summary>
    public void Subscribe(string topic, Action<Region, string> onSignal, Action<Region> resync)
    {
        var handler = new Handler(onSignal, resync);
        _topics.AddOrUpdate(topic, _ => new ImmutableHandlers([handler]), (_, existing) => new ImmutableHandlers([.. existing.Items, handler]));
    }

    /// <summary>Sends <paramref name="payload"/> on <paramref name="topic"/> to the other processes of <paramref name="cell"/>; never throws.</summary>
    public async Task PublishAsync(CellDatabase cell, string topic, string payload)
    {
        if (cell.Provider != DatabaseProvider.Postgres)
        {
            return;
        }

        var message = SignalMessage.Format(Origin, topic, payload);
        if (System.Text.Encoding.UTF8.GetByteCount(message) > MaxPayloadBytes)
        {
            throw new ArgumentException("A signal's payload must stay under PostgreSQL's notification limit.", nameof(payload));
        }

        try
        {
            await using var connection = new NpgsqlConnection(cell.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT pg_notify(@channel, @message)", connection);
            command.Parameters.AddWithValue("channel", Channel);
            command.Parameters.AddWithValue("message", message);
            await command.ExecuteNonQueryAsync();
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            // The change itself is committed; the other processes' views catch up on their timer.
            if (_failureLog.ShouldLog(new LogKey("signal_publish_failed", cell.Region.Code, DatabaseFailure.ReasonOf(ex)), out var suppressed))
            {
                LogPublishFailed(logger, cell.Region.Code, DatabaseFailure.ReasonOf(ex), suppressed);
            }
        }
    }

    /// <summary>Hands a received notification to the topic's subscribers; a process's own signals are ignored.</summary>
    internal void Deliver(Region region, string message)
    {
        if (!SignalMessage.TryParse(message, out var origin, out var topic, out var payload) || origin == Origin)
        {
            return;
        }

        if (_topics.TryGetValue(topic, out var handlers))
        {
            foreach (var handler in handlers.Items)
            {
                handler.OnSignal(region, payload);
            }
        }
    }

    /// <summary>Tells every subscriber that signals of <paramref name="region"/> may have been missed.</summary>
    internal void Resync(Region region)
    {
        foreach (var handlers in _topics.Values)
        {
            foreach (var handler in handlers.Items)
            {
                handler.Resync(region);
            }
        }
    }

    [LoggerMessage(EventId = 4920, Level = LogLevel.Warning, Message = "A signal to the other processes of region {Region} could not be sent ({Reason}); their live views catch up on their timer. {Suppressed} more like it since the last one logged were left out.")]
    private static partial void LogPublishFailed(ILogger logger, string region, string reason, int suppressed);
}

/// <summary>The notification text: <c>origin topic payload</c>, separated by single spaces (origin and topic have none).</summary>
internal static class SignalMessage
{
    public static string Format(string origin, string topic, string payload) => $"{origin} {topic} {payload}";

    public static bool TryParse(string message, out string origin, out string topic, out string payload)
    {
        origin = topic = payload = "";
        var first = message.IndexOf(' ', StringComparison.Ordinal);
        var second = first < 0 ? -1 : message.IndexOf(' ', first + 1);
        if (second < 0)
        {
            return false;
        }

        origin = message[..first];
        topic = message[(first + 1)..second];
        payload = message[(second + 1)..];
        return true;
    }
}
