using System.Security.Cryptography;
using System.Text;
using Confide.Data.SharedState;
using Confide.Platform;

namespace Confide.Server.Hosting.RateLimiting;

/// <summary>Makes the limiters of partitions whose counters live in PostgreSQL (see <see cref="SharedRateLimiter"/>).</summary>
internal sealed partial class SharedRateLimits(PostgresRateLimitStore store, TimeProvider time, ILogger<SharedRateLimits> logger)
{
    private readonly LogRateLimiter _failureLog = new(time);

    public PostgresRateLimitStore Store => store;

    /// <param name="partition">The partition's key (<c>ip:…</c>, <c>token:…</c>); only its hash is stored.</param>
    public SharedRateLimiter Create(string partition, SharedLimit limit) =>
        new(store, SHA256.HashData(Encoding.UTF8.GetBytes(partition)), limit, time, StoreFailed);

    private void StoreFailed(Exception exception)
    {
        var reason = Confide.Data.DatabaseFailure.ReasonOf(exception);
        if (_failureLog.ShouldLog(new LogKey("shared_rate_limit_failed", reason, null), out var suppressed))
        {
            LogStoreFailed(logger, reason, suppressed);
        }
    }

    [LoggerMessage(EventId = 4923, Level = LogLevel.Warning, Message = "The shared rate-limit counters could not be reached ({Reason}); requests are let through meanwhile. {Suppressed} more like it since the last one logged were left out.")]
    private static partial void LogStoreFailed(ILogger logger, string reason, int suppressed);
}
