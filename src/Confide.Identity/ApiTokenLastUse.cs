using System.Collections.Concurrent;
using Confide.Data;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Confide.Identity;

/// <summary>
/// Records when each API token was last used, at most once a minute per token and outside the
/// request: a write per API call would put every read through the cell's single writer.
/// </summary>
public sealed partial class ApiTokenLastUse(TimeProvider time, ILogger<ApiTokenLastUse> logger)
{
    /// <summary>How stale <c>last_used_at</c> may be.</summary>
    public static readonly TimeSpan Resolution = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<(Region, string), DateTimeOffset> _written = new();

    /// <summary>While the database is down every token's bookkeeping fails the same way: log it once a window.</summary>
    private readonly LogRateLimiter _failureLog = new(time);

    public void Record(CellDatabase cell, string tokenId)
    {
        var now = time.GetUtcNow();
        var key = (cell.Region, tokenId);
        if (_written.TryGetValue(key, out var last) && now - last < Resolution)
        {
            return;
        }

        _written[key] = now;
        _ = WriteAsync(cell, tokenId, now);
    }

    private async Task WriteAsync(CellDatabase cell, string tokenId, DateTimeOffset now)
    {
        try
        {
            await cell.Writer.WriteAsync(async (db, ct) =>
                await db.ApiTokens.Where(t => t.Id == tokenId).ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, now), ct));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Only bookkeeping: the request it came from has been served either way.
            if (!_failureLog.ShouldLog(new LogKey("token_last_use_failed", ex.GetType().FullName, cell.Region.Code), out var suppressed))
            {
                return;
            }

            if (DatabaseFailure.IsUnavailable(ex))
            {
                LogDatabaseUnavailable(logger, cell.Region.Code, DatabaseFailure.ReasonOf(ex), suppressed);
            }
            else
            {
                LogWriteFailed(logger, ex, cell.Region.Code, suppressed);
            }
        }
    }

    [LoggerMessage(EventId = 4300, Level = LogLevel.Warning, Message = "Recording an API token's last use in region {Region} failed ({Suppressed} more like it since the last one logged were left out).")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string region, int suppressed);

    [LoggerMessage(EventId = 4301, Level = LogLevel.Warning, Message = "Recording an API token's last use in region {Region} failed: the database is unavailable ({Reason}); {Suppressed} more like it since the last one logged were left out.")]
    private static partial void LogDatabaseUnavailable(ILogger logger, string region, string reason, int suppressed);
}
