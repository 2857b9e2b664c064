namespace Confide.Server.Hosting.RateLimiting;

/// <summary>
/// Which requests the stricter limits cover, decided from the method and path alone so the
/// limiter can run before routing and authentication (a throttled caller costs no database read).
/// </summary>
internal static class RequestKinds
{
    /// <summary>Password, two-factor and passkey sign-in (all posts to <c>/app/login…</c>), re-authentication, and SSO start and return.</summary>
    public static bool IsSignIn(HttpRequest request)
    {
        var path = request.Path;
        if (HttpMethods.IsPost(request.Method)
            && (path.StartsWithSegments("/app/login", StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments("/app/reauthenticate", StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }

        // /app/sso/{workspaceId}/start, /oidc/callback, /saml/acs; not the SP metadata.
        return path.StartsWithSegments("/app/sso", StringComparison.OrdinalIgnoreCase)
            && path.Value is { } value
            && !value.EndsWith("/saml/metadata", StringComparison.OrdinalIgnoreCase)
            && value.Count(c => c == '/') >= 4;
    }

    /// <summary>Creating an API token.</summary>
    public static bool IsTokenCreation(HttpRequest request) =>
        HttpMethods.IsPost(request.Method)
        && request.Path.Equals("/confide/api_tokens", StringComparison.OrdinalIgnoreCase);

    /// <summary>A website messenger write (boot, a message, a read marker): anyone on the internet can send these.</summary>
    public static bool IsMessengerWrite(HttpRequest request) =>
        HttpMethods.IsPost(request.Method)
        && request.Path.StartsWithSegments("/messenger/v1", StringComparison.OrdinalIgnoreCase);
}
