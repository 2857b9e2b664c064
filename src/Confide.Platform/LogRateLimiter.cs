namespace Confide.Platform;

/// <summary>
/// Keeps a repeated failure from flooding the log: of the occurrences of one key (an event, an
/// exception type and the place it happened) within <see cref="Window"/>, only the first is
/// logged; the first one after the window is logged with the number suppressed in between.
/// Under an outage every request fails the same way, so the log grows by a line per key per
/// window instead of a stack trace per request.
/// </summary>
public sealed class LogRateLimiter(TimeProvider time, TimeSpan window)
{
    /// <summary>Distinct keys remembered at most; past it, expired ones are dropped (keys come from code, not from requests).</summary>
    private const int MaxKeys = 1024;

    private readonly Dictionary<LogKey, Entry> _entries = [];

    public LogRateLimiter(TimeProvider time)
        : this(time, TimeSpan.FromSeconds(60))
    {
    }

    public TimeSpan Window { get; } = window;

    /// <summary>
    /// Whether to log this occurrence now; if so, <paramref name="suppressed"/> is how many
    /// occurrences of the same key were left out since the last one logged.
    /// </summary>
    public bool ShouldLog(LogKey key, out int suppressed)
    {
        var now = time.GetUtcNow();
        lock (_entries)
        {
            if (_entries.TryGetValue(key, out var entry) && now - entry.LoggedAt < Window)
            {
                entry.Suppressed++;
                suppressed = 0;
                return false;
            }

            suppressed = entry?.Suppressed ?? 0;
            if (entry is null && _entries.Count >= MaxKeys)
            {
                foreach (var expired in _entries.Where(e => now - e.Value.LoggedAt >= Window).Select(e => e.Key).ToList())
                {
                    _entries.Remove(expired);
                }
            }

            _entries[key] = new Entry { LoggedAt = now };
            return true;
        }
    }

    private sealed class Entry
    {
        public DateTimeOffset LoggedAt { get; init; }

        public int Suppressed { get; set; }
    }
}

/// <summary>What makes two log occurrences "the same": the event, the exception type and where it happened (a route or a component, never request data).</summary>
public readonly record struct LogKey(string Event, string? ExceptionType, string? Site);
