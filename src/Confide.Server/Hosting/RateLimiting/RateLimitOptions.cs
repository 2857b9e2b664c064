namespace Confide.Server.Hosting.RateLimiting;

/// <summary>
/// Request rate limits (<c>Confide:RateLimits</c>): per API token, per client address, and the
/// stricter sign-in and token-creation limits. See docs/rate-limits.md.
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "Confide:RateLimits";

    /// <summary>Requests per second one API token may make on average.</summary>
    public int TokenPerSecond { get; set; } = 100;

    /// <summary>Requests one API token may make at once before the per-second rate applies.</summary>
    public int TokenBurst { get; set; } = 200;

    /// <summary>Requests per second from one client address, signed in or not.</summary>
    public int IpPerSecond { get; set; } = 200;

    /// <summary>Requests one client address may make at once.</summary>
    public int IpBurst { get; set; } = 400;

    /// <summary>Sign-in attempts (password, two-factor, passkey, re-authentication, SSO) per client address per window.</summary>
    public int SignInPerWindow { get; set; } = 10;

    /// <summary>API tokens one token may create per window.</summary>
    public int TokenCreationPerWindow { get; set; } = 10;

    /// <summary>Website-messenger writes (boots, messages, read markers) per client address per window.</summary>
    public int MessengerWritesPerWindow { get; set; } = 120;

    /// <summary>Length of the sign-in and token-creation windows in seconds.</summary>
    public int WindowSeconds { get; set; } = 60;

    /// <summary>Every problem with these settings, each naming the setting.</summary>
    public IEnumerable<string> Problems()
    {
        foreach (var (name, value) in new[]
        {
            (nameof(TokenPerSecond), TokenPerSecond), (nameof(TokenBurst), TokenBurst),
            (nameof(IpPerSecond), IpPerSecond), (nameof(IpBurst), IpBurst),
            (nameof(SignInPerWindow), SignInPerWindow), (nameof(TokenCreationPerWindow), TokenCreationPerWindow),
            (nameof(MessengerWritesPerWindow), MessengerWritesPerWindow), (nameof(WindowSeconds), WindowSeconds),
        })
        {
            if (value < 1)
            {
                yield return $"{Section}:{name} must be at least 1 (is {value}).";
            }
        }

        if (TokenBurst < TokenPerSecond)
        {
            yield return $"{Section}:{nameof(TokenBurst)} must be at least {nameof(TokenPerSecond)} ({TokenPerSecond}).";
        }

        if (IpBurst < IpPerSecond)
        {
            yield return $"{Section}:{nameof(IpBurst)} must be at least {nameof(IpPerSecond)} ({IpPerSecond}).";
        }

        if (WindowSeconds > 3600)
        {
            yield return $"{Section}:{nameof(WindowSeconds)} must be at most 3600 (is {WindowSeconds}).";
        }
    }
}
