using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Confide.Identity;

namespace Confide.Server.Hosting.RateLimiting;

/// <summary>
/// The limiters every request passes, chained: its client address, its API token (keyed by a
/// hash of the bearer value, so the limit applies before the token is looked up and a flood of
/// one token never reaches the database), and for sign-in, token creation and website-messenger
/// writes a fixed window.
/// The client address is the one after trusted-proxy handling. With PostgreSQL the counters are
/// shared by every process (<see cref="SharedRateLimiter"/>), so a limit holds across them all.
/// </summary>
internal static class RateLimitPartitions
{
    /// <param name="shared">The counters all processes share (PostgreSQL deployments); null keeps the limits in this process.</param>
    public static PartitionedRateLimiter<HttpContext> Create(RateLimitOptions options, SharedRateLimits? shared = null) =>
        PartitionedRateLimiter.CreateChained(
            PartitionedRateLimiter.Create<HttpContext, string>(http =>
                Bucket(shared, "ip:" + ClientAddress(http), options.IpPerSecond, options.IpBurst)),
            PartitionedRateLimiter.Create<HttpContext, string>(http => BearerToken.From(http.Request) is { } token
                ? Bucket(shared, "token:" + TokenKey(token), options.TokenPerSecond, options.TokenBurst)
                : RateLimitPartition.GetNoLimiter("anonymous")),
            PartitionedRateLimiter.Create<HttpContext, string>(http =>
                RequestKinds.IsSignIn(http.Request)
                    ? Window(shared, "sign-in:" + ClientAddress(http), options.SignInPerWindow, options.WindowSeconds)
                    : RequestKinds.IsTokenCreation(http.Request) && BearerToken.From(http.Request) is { } token
                        ? Window(shared, "token-creation:" + TokenKey(token), options.TokenCreationPerWindow, options.WindowSeconds)
                        : RequestKinds.IsMessengerWrite(http.Request)
                            ? Window(shared, "messenger:" + ClientAddress(http), options.MessengerWritesPerWindow, options.WindowSeconds)
                            : RateLimitPartition.GetNoLimiter("other")));

    private static RateLimitPartition<string> Bucket(SharedRateLimits? shared, string key, int perSecond, int burst) =>
        shared is null
            ? RateLimitPartition.GetTokenBucketLimiter(key, _ => BucketOptions(perSecond, burst))
            : RateLimitPartition.Get(key, k => shared.Create(k, new SharedBucket(burst, perSecond)));

    private static RateLimitPartition<string> Window(SharedRateLimits? shared, string key, int permits, int seconds) =>
        shared is null
            ? RateLimitPartition.GetFixedWindowLimiter(key, _ => WindowOptions(permits, seconds))
            : RateLimitPartition.Get(key, k => shared.Create(k, new SharedWindow(permits, seconds)));

    private static string ClientAddress(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    // A hash, so no secret is held as a dictionary key longer than needed.
    private static string TokenKey(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static TokenBucketRateLimiterOptions BucketOptions(int perSecond, int burst) => new()
    {
        TokenLimit = burst,
        TokensPerPeriod = perSecond,
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    private static FixedWindowRateLimiterOptions WindowOptions(int permits, int seconds) => new()
    {
        PermitLimit = permits,
        Window = TimeSpan.FromSeconds(seconds),
        QueueLimit = 0,
        AutoReplenishment = true,
    };
}
