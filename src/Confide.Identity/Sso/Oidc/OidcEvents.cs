using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Confide.Identity.Sso.Oidc;

/// <summary>
/// How Confide hooks into the OIDC handler of one workspace: its redirect URI is always the
/// public one, and every callback ends in an <see cref="SsoAssertion"/> left on the request for
/// the completion — the handler itself never signs anyone in.
/// </summary>
internal static class OidcEvents
{
    public const string EmailVerifiedClaim = "email_verified";

    private const string ResultItem = "confide.sso.oidc_result";

    public static SsoAssertion? ResultOf(HttpContext http) => http.Items[ResultItem] as SsoAssertion;

    public static OpenIdConnectEvents Create(string workspaceId, string redirectUri, string emailAttribute, string nameAttribute) => new()
    {
        // The region's public URL, whatever Host header a proxy passed on (the handler keeps it
        // in the state after this event); the code is redeemed with the same.
        OnRedirectToIdentityProvider = context =>
        {
            context.ProtocolMessage.RedirectUri = redirectUri;
            return Task.CompletedTask;
        },
        OnAuthorizationCodeReceived = context =>
        {
            context.TokenEndpointRequest?.RedirectUri = redirectUri;
            return Task.CompletedTask;
        },
        OnTicketReceived = context =>
        {
            context.HttpContext.Items[ResultItem] = Assertion(context.Principal, emailAttribute, nameAttribute);
            context.HandleResponse();
            return Task.CompletedTask;
        },
        OnRemoteFailure = context =>
        {
            var reason = Classify(context.HttpContext, context.Failure);
            var logger = context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger<OidcProtocolHandler>();
            SsoLog.OidcResponseRefused(logger, workspaceId, reason, context.Failure?.GetType().Name ?? "none");
            context.HttpContext.Items[ResultItem] = SsoAssertion.Refused(reason);
            context.HandleResponse();
            return Task.CompletedTask;
        },
    };

    private static SsoAssertion Assertion(System.Security.Claims.ClaimsPrincipal? principal, string emailAttribute, string nameAttribute)
    {
        var email = principal?.FindFirst(emailAttribute)?.Value?.Trim();
        if (string.IsNullOrEmpty(email))
        {
            return SsoAssertion.Refused(SsoRefusals.EmailMissing);
        }

        // A provider that says whether it verified the address must say it did. (One that says
        // nothing vouches for the address by sending it, as Entra ID does.)
        if (principal!.FindAll(EmailVerifiedClaim).Any(c => !string.Equals(c.Value, "true", StringComparison.OrdinalIgnoreCase)))
        {
            return SsoAssertion.Refused(SsoRefusals.EmailNotVerified);
        }

        return SsoAssertion.Verified(email, principal.FindFirst(nameAttribute)?.Value);
    }

    /// <summary>
    /// The handler reports failures as exceptions; these are the reason codes they mean, told
    /// apart by type and by the protocol error the handler attaches, never by message text.
    /// </summary>
    private static string Classify(HttpContext http, Exception? failure)
    {
        if (http.Request.Query.ContainsKey("error"))
        {
            return SsoRefusals.ProviderError;
        }

        return failure switch
        {
            OpenIdConnectProtocolInvalidNonceException => SsoRefusals.NonceInvalid,
            // The token endpoint answered with an OAuth error (invalid_grant for a spent or
            // stolen code, ...): the handler puts its code in Data["error"].
            OpenIdConnectProtocolException e when e.Data["error"] is string => SsoRefusals.CodeRejected,
            // The handler's own refusals of the callback (missing or unreadable state, no
            // correlation cookie, a message of the wrong shape): it is not the response to a
            // flow this browser started.
            AuthenticationFailureException => SsoRefusals.StateInvalid,
            _ when IsUnreachable(failure) => SsoRefusals.ProviderUnreachable,
            _ => SsoRefusals.TokenInvalid,
        };
    }

    private static bool IsUnreachable(Exception? failure)
    {
        for (var current = failure; current is not null; current = current.InnerException)
        {
            if (current is HttpRequestException or TaskCanceledException or IOException or System.Net.Sockets.SocketException)
            {
                return true;
            }
        }

        return false;
    }
}
