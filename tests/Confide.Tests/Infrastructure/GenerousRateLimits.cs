namespace Confide.Tests.Infrastructure;

/// <summary>
/// Limits no test reaches by accident: the suite signs in from one loopback address, and its load
/// tests write over one token, far faster than the production defaults allow. Tests of the limits
/// themselves set tight ones (RateLimitTests).
/// </summary>
internal static class GenerousRateLimits
{
    public static readonly string[] Args =
    [
        "--Confide:RateLimits:TokenPerSecond=1000000", "--Confide:RateLimits:TokenBurst=1000000",
        "--Confide:RateLimits:IpPerSecond=1000000", "--Confide:RateLimits:IpBurst=1000000",
        "--Confide:RateLimits:SignInPerWindow=1000000", "--Confide:RateLimits:TokenCreationPerWindow=1000000",
        "--Confide:RateLimits:MessengerWritesPerWindow=1000000",
    ];
}
