using Confide.Data;
using Confide.Platform;
using Microsoft.Extensions.Logging;

namespace Confide.Identity.Sessions;

/// <summary>
/// Failures of the sessions' last-seen writes. While the database is down every signed-in
/// request's bookkeeping fails the same way: one line a window, with a count, no stack trace for
/// an outage. A singleton, so every request's <see cref="TeammateSessions"/> shares the window.
/// </summary>
public sealed partial class SessionBookkeepingLog(TimeProvider time, ILogger<SessionBookkeepingLog> logger)
{
    private readonly LogRateLimiter _limiter = new(time);

    public void LastSeenWriteFailed(Exception exception, Region region)
    {
        if (!_limiter.ShouldLog(new LogKey("session_last_seen_failed", exception.GetType().FullName, region.Code), out var suppressed))
        {
            return;
        }

        if (DatabaseFailure.IsUnavailable(exception))
        {
            LogDatabaseUnavailable(logger, region.Code, DatabaseFailure.ReasonOf(exception), suppressed);
        }
        else
        {
            LogWriteFailed(logger, exception, region.Code, suppressed);
        }
    }

    [LoggerMessage(EventId = 4320, Level = LogLevel.Warning, Message = "Recording a teammate session's last use in region {Region} failed ({Suppressed} more like it since the last one logged were left out).")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string region, int suppressed);

    [LoggerMessage(EventId = 4321, Level = LogLevel.Warning, Message = "Recording a teammate session's last use in region {Region} failed: the database is unavailable ({Reason}); {Suppressed} more like it since the last one logged were left out.")]
    private static partial void LogDatabaseUnavailable(ILogger logger, string region, string reason, int suppressed);
}
