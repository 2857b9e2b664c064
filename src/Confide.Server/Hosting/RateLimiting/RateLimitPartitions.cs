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
/// The client address is the one after trusted-proxy handling.
/// </summary>
internal static class RateLimitPartitions
{
    public static PartitionedRateLimiter<HttpContext> Create(RateLimitOptions options) =>
        PartitionedRateLimiter.CreateChained(
            PartitionedRateLimiter.Create<HttpContext, string>(http => RateLimitPartition.GetTokenBucketLimiter(
                "ip:" + ClientAddress(http), _ => Bucket(options.IpPerSecond, options.IpBurst))),
            PartitionedRateLimiter.Create<HttpContext, string>(http => BearerToken.From(http.Request) is { } token
                ? RateLimitPartition.GetTokenBucketLimiter("token:" + TokenKey(token), _ => Bucket(options.TokenPerSecond, options.TokenBurst))
                : RateLimitPartition.GetNoLimiter("anonymous")),
            PartitionedRateLimiter.Create<HttpContext, string>(http =>
                RequestKinds.IsSignIn(http.Request)
                    ? RateLimitPartition.GetFixedWindowLimiter("sign-in:" + ClientAddress(http), _ => Window(options.SignInPerWindow, options.WindowSeconds))
                    : RequestKinds.IsTokenCreation(http.Request) && BearerToken.From(http.Request) is { } token
                        ? RateLimitPartition.GetFixedWindowLimiter("token-creation:" + TokenKey(token), _ => Window(options.TokenCreationPerWindow, options.WindowSeconds))
                        : RequestKinds.IsMessengerWrite(http.Request)
                            ? RateLimitPartition.GetFixedWindowLimiter("messenger:" + ClientAddress(http), _ => Window(options.MessengerWritesPerWindow, options.WindowSeconds))
                            : RateLimitPartition.GetNoLimiter("other")));

    private static string ClientAddress(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    // A hash, so no secret is held as a dictionary key longer than needed.
    private static string TokenKey(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static TokenBucketRateLimiterOptions Bucket(int perSecond, int burst) => new()
    {
        TokenLimit = burst,
        TokensPerPeriod = perSecond,
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    private static FixedWindowRateLimiterOptions Window(int permits, int seconds) => new()
    {
        PermitLimit = permits,
        Window = TimeSpan.FromSeconds(seconds),
        QueueLimit = 0,
        AutoReplenishment = true,
    };
}
