using System.Collections.Concurrent;
using Confide.Data.Model;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Confide.Identity.Sso.Oidc;

/// <summary>
/// The <see cref="OpenIdConnectOptions"/> of each workspace's connection, built from its
/// <see cref="SsoConnection"/> row and cached per connection.
/// <para>
/// Why not a named scheme per workspace: ASP.NET Core's options and schemes are fixed at start
/// (one <c>AddOpenIdConnect</c> per provider), and registering schemes at run time makes the
/// authentication middleware run every workspace's handler on every request, and would have to
/// be kept in step across nodes. Instead the handler is created only by Confide's SSO endpoints
/// (<see cref="OidcProtocolHandler"/>) with the options of the workspace in the URL, so the
/// handler's own checks (state, correlation, nonce, PKCE, token signature/issuer/audience) run
/// unchanged. An entry is stamped with the row's <see cref="SsoConnection.UpdatedAt"/>: a
/// changed or replaced connection is rebuilt on its next use on every node, with a fresh
/// configuration manager (discovery document and signing keys, refreshed by IdentityModel on
/// its own schedule and when an unknown key appears).
/// </para>
/// </summary>
public sealed class OidcHandlerOptionsCache(
    IDataProtectionProvider dataProtection,
    SsoClientSecrets secrets,
    OidcBackchannel backchannel,
    SsoServiceProviderUrls urls,
    TimeProvider time)
{
    private readonly ConcurrentDictionary<string, (string Stamp, OpenIdConnectOptions Options)> _byConnection = new(StringComparer.Ordinal);

    /// <exception cref="System.Security.Cryptography.CryptographicException">The client secret cannot be decrypted.</exception>
    public OpenIdConnectOptions For(SsoConnection connection)
    {
        var stamp = $"{connection.Id}:{connection.UpdatedAt.UtcTicks}";
        if (_byConnection.TryGetValue(connection.WorkspaceId, out var entry) && entry.Stamp == stamp)
        {
            return entry.Options;
        }

        var options = Build(connection);
        _byConnection[connection.WorkspaceId] = (stamp, options);
        return options;
    }

    /// <summary>Forgets a deleted connection (other nodes drop theirs when the row is gone or changed).</summary>
    public void Forget(string workspaceId) => _byConnection.TryRemove(workspaceId, out _);

    private OpenIdConnectOptions Build(SsoConnection connection)
    {
        var workspaceId = connection.WorkspaceId;
        var issuer = connection.OidcIssuer ?? throw new InvalidOperationException("Not an OIDC connection.");
        var redirectUri = urls.OidcRedirectUri(workspaceId);
        var options = new OpenIdConnectOptions
        {
            Authority = issuer,
            ClientId = connection.OidcClientId,
            ClientSecret = connection.OidcProtectedClientSecret is { } secret ? secrets.Unprotect(workspaceId, secret) : null,
            CallbackPath = SsoServiceProviderUrls.OidcCallbackPath(workspaceId),
            ResponseType = OpenIdConnectResponseType.Code,
            // The code comes back in the query of a top-level GET, so the correlation and nonce
            // cookies can be SameSite=Lax (form_post would need SameSite=None). The code alone is
            // useless: it is single-use and bound to this flow's PKCE verifier.
            ResponseMode = OpenIdConnectResponseMode.Query,
            UsePkce = true,
            RequireHttpsMetadata = true,
            GetClaimsFromUserInfoEndpoint = true,
            MapInboundClaims = false,
            SaveTokens = false,
            DisableTelemetry = true,
            Backchannel = backchannel.Client,
            TimeProvider = time,
            // Never reached: the events end every callback before the handler would sign in.
            // The session is issued by Confide's SSO completion, never from the provider's principal.
            SignInScheme = IdentityConstants.ExternalScheme,
            RemoteAuthenticationTimeout = TimeSpan.FromMinutes(10),
            Events = OidcEvents.Create(workspaceId, redirectUri, connection.EmailAttribute, connection.NameAttribute),
        };
        options.Scope.Clear();
        options.Scope.Add("openid");
        options.Scope.Add("email");
        options.Scope.Add("profile");
        foreach (var cookie in new[] { options.CorrelationCookie, options.NonceCookie })
        {
            cookie.HttpOnly = true;
            cookie.SecurePolicy = CookieSecurePolicy.Always;
            cookie.SameSite = SameSiteMode.Lax;
        }

        // The userinfo claims Confide reads, under their own names.
        options.ClaimActions.MapUniqueJsonKey(connection.EmailAttribute, connection.EmailAttribute);
        options.ClaimActions.MapUniqueJsonKey(connection.NameAttribute, connection.NameAttribute);
        options.ClaimActions.MapUniqueJsonKey(OidcEvents.EmailVerifiedClaim, OidcEvents.EmailVerifiedClaim);
        // The token's issuer must be the one the workspace configured, not merely whatever the
        // discovery document names (a provider mix-up defence); audience and signature are the handler's.
        options.TokenValidationParameters.ValidIssuers = [issuer, issuer.TrimEnd('/'), issuer.TrimEnd('/') + "/"];
        options.TokenValidationParameters.ValidAudience = connection.OidcClientId;

        // What AddOpenIdConnect would do at start, per workspace: the state and nonce protectors
        // get a purpose naming the workspace (a state minted for one workspace is refused at
        // another's callback) and the configuration manager fetches through the backchannel.
        new OpenIdConnectPostConfigureOptions(dataProtection).PostConfigure(OidcProtocolHandler.SchemeName + ":" + workspaceId, options);
        options.Validate();
        return options;
    }
}
