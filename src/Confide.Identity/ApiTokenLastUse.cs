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
            LogWriteFailed(logger, ex, cell.Region.Code);
        }
    }

    [LoggerMessage(EventId = 4300, Level = LogLevel.Warning, Message = "Recording an API token's last use in region {Region} failed.")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string region);
}
