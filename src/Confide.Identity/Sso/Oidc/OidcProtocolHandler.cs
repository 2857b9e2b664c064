using System.Security.Cryptography;
using System.Text.Encodings.Web;
using Confide.Data.Model;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Confide.Identity.Sso.Oidc;

/// <summary>
/// OpenID Connect sign-in (authorization code with PKCE) through ASP.NET Core's own handler,
/// created per request with the workspace's options (<see cref="OidcHandlerOptionsCache"/>
/// explains why it is not a registered scheme).
/// </summary>
public sealed class OidcProtocolHandler(OidcHandlerOptionsCache optionsCache, ILoggerFactory loggers, HtmlEncoder htmlEncoder, UrlEncoder urlEncoder) : ISsoProtocolHandler
{
    public const string SchemeName = "sso-oidc";

    private static readonly AuthenticationScheme Scheme = new(SchemeName, "Single sign-on (OpenID Connect)", typeof(OpenIdConnectHandler));

    private readonly ILogger _logger = loggers.CreateLogger<OidcProtocolHandler>();

    public string Protocol => SsoProtocols.Oidc;

    public async Task<SsoAssertion?> StartAsync(HttpContext http, SsoConnection connection)
    {
        if (await HandlerAsync(http, connection) is not { } handler)
        {
            return SsoAssertion.Refused(SsoRefusals.ConnectionUnusable);
        }

        try
        {
            // The redirect after sign-in is Confide's decision (SsoSignIn), not carried in the state.
            await handler.ChallengeAsync(new AuthenticationProperties());
            return null;
        }
        catch (Exception e) when (e is HttpRequestException or InvalidOperationException or TaskCanceledException or IOException)
        {
            // Discovery failed: the provider is down, or its TLS certificate is not trusted.
            SsoLog.ProviderUnreachable(_logger, connection.WorkspaceId, e.GetType().Name);
            return SsoAssertion.Refused(SsoRefusals.ProviderUnreachable);
        }
    }

    public async Task<SsoAssertion> CompleteAsync(HttpContext http, SsoConnection connection)
    {
        if (await HandlerAsync(http, connection) is not { } handler)
        {
            return SsoAssertion.Refused(SsoRefusals.ConnectionUnusable);
        }

        await handler.HandleRequestAsync();
        return OidcEvents.ResultOf(http) ?? SsoAssertion.Refused(SsoRefusals.StateInvalid);
    }

    private async Task<OpenIdConnectHandler?> HandlerAsync(HttpContext http, SsoConnection connection)
    {
        OpenIdConnectOptions options;
        try
        {
            options = optionsCache.For(connection);
        }
        catch (CryptographicException)
        {
            SsoLog.ClientSecretUnreadable(_logger, connection.WorkspaceId);
            return null;
        }

        var handler = new OpenIdConnectHandler(new FixedOptions(options), loggers, htmlEncoder, urlEncoder);
        await handler.InitializeAsync(Scheme, http);
        return handler;
    }

    /// <summary>The handler reads its options by scheme name; here there is exactly one set, the workspace's.</summary>
    private sealed class FixedOptions(OpenIdConnectOptions options) : IOptionsMonitor<OpenIdConnectOptions>
    {
        public OpenIdConnectOptions CurrentValue => options;

        public OpenIdConnectOptions Get(string? name) => options;

        public IDisposable? OnChange(Action<OpenIdConnectOptions, string?> listener) => null;
    }
}
