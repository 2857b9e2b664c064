using Confide.Platform;

namespace Confide.Messaging.Messenger.Settings;

/// <summary>
/// The origins that may embed the messenger: each exactly scheme://host[:port], https except
/// for a developer's own machine, lower-case, default port dropped. No wildcards: an origin
/// list that matches anything would let any site frame the messenger.
/// </summary>
public static class MessengerOrigins
{
    public const int MaxCount = 100;

    /// <summary>The stored column's length.</summary>
    private const int MaxStoredLength = 8000;

    private static readonly string[] LoopbackHosts = ["localhost", "127.0.0.1", "[::1]"];

    public static IReadOnlyList<string> Parse(string? stored) => stored?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];

    /// <summary>
    /// The origin of a page's address (a Referer) as this list spells origins, or null when it
    /// is not an http(s) address.
    /// </summary>
    public static string? OfPage(string? address)
    {
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp) || uri.Host.Length == 0)
        {
            return null;
        }

        var host = (uri.HostNameType == UriHostNameType.Dns ? uri.IdnHost : uri.Host).ToLowerInvariant();
        return uri.IsDefaultPort ? $"{uri.Scheme}://{host}" : $"{uri.Scheme}://{host}:{uri.Port}";
    }

    public static string? Format(IReadOnlyList<string> origins) => origins.Count == 0 ? null : string.Join(' ', origins);

    /// <summary>The normalised, de-duplicated list, or a 400 naming the first bad entry.</summary>
    public static IReadOnlyList<string> Normalise(IReadOnlyList<string?> origins)
    {
        if (origins.Count > MaxCount)
        {
            throw new ConfideException(ConfideError.ParameterInvalid($"allowed_origins may list at most {MaxCount} origins"));
        }

        var normalised = new List<string>();
        foreach (var origin in origins)
        {
            var one = NormaliseOne(origin);
            if (!normalised.Contains(one, StringComparer.Ordinal))
            {
                normalised.Add(one);
            }
        }

        return (Format(normalised)?.Length ?? 0) <= MaxStoredLength
            ? normalised
            : throw new ConfideException(ConfideError.ParameterInvalid($"allowed_origins may total at most {MaxStoredLength} characters"));
    }

    private static string NormaliseOne(string? origin)
    {
        var text = origin?.Trim() ?? "";
        if (text.Contains('*', StringComparison.Ordinal))
        {
            throw Invalid(text, "wildcards are not allowed; list each origin");
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.HostNameType == UriHostNameType.Unknown || uri.Host.Length == 0)
        {
            throw Invalid(text, "it must be scheme://host[:port]");
        }

        if (uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.AbsolutePath != "/" || TrailingPathGiven(text))
        {
            throw Invalid(text, "an origin has no path, query, fragment or user name");
        }

        // Browsers send an internationalised host in its ASCII (punycode) form.
        var host = (uri.HostNameType == UriHostNameType.Dns ? uri.IdnHost : uri.Host).ToLowerInvariant();
        var loopback = LoopbackHosts.Contains(host, StringComparer.Ordinal);
        if (uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && loopback))
        {
            throw Invalid(text, "it must use https (http only for localhost or 127.0.0.1)");
        }

        return uri.IsDefaultPort ? $"{uri.Scheme}://{host}" : $"{uri.Scheme}://{host}:{uri.Port}";
    }

    /// <summary>"https://example.com/" is the origin with a slash typed after it; anything longer is a path.</summary>
    private static bool TrailingPathGiven(string text)
    {
        var afterScheme = text.IndexOf("://", StringComparison.Ordinal) + 3;
        var slash = text.IndexOf('/', afterScheme);
        return slash >= 0 && slash != text.Length - 1;
    }

    private static ConfideException Invalid(string origin, string why) =>
        new(ConfideError.ParameterInvalid($"allowed_origins: '{Shorten(origin)}' is not an origin: {why}"));

    private static string Shorten(string text) => text.Length <= 100 ? text : text[..100] + "…";
}
