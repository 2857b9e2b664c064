using Confide.Data.Model;
using Microsoft.AspNetCore.Http;

namespace Confide.Identity.Sso;

/// <summary>
/// The seam between a sign-in protocol and Confide's protocol-neutral completion (SsoSignIn in
/// the server): a handler sends the browser to the identity provider and, when it comes back,
/// says which email the provider vouched for — or why it refuses. It never signs anyone in
/// itself. OIDC (<see cref="Oidc.OidcProtocolHandler"/>) and SAML
/// (<see cref="Saml.SamlProtocolHandler"/>) implement it.
/// </summary>
public interface ISsoProtocolHandler
{
    /// <summary>One of <see cref="SsoProtocols"/>.</summary>
    string Protocol { get; }

    /// <summary>Answers the request with the redirect to the identity provider, or returns a refusal.</summary>
    Task<SsoAssertion?> StartAsync(HttpContext http, SsoConnection connection);

    /// <summary>Validates the provider's response on the current request.</summary>
    Task<SsoAssertion> CompleteAsync(HttpContext http, SsoConnection connection);
}

/// <summary>What the identity provider vouched for, or the reason the response was refused (<see cref="SsoRefusals"/>).</summary>
public sealed record SsoAssertion(string? Email, string? Name, string? Refusal)
{
    public static SsoAssertion Verified(string email, string? name) => new(email, name, null);

    public static SsoAssertion Refused(string reason) => new(null, null, reason);
}

/// <summary>
/// Why an SSO sign-in was refused: stable codes shown on the error page, logged and recorded in
/// the activity log (never with the email). docs/sso.md explains each.
/// </summary>
public static class SsoRefusals
{
    public const string NotConfigured = "not_configured";
    public const string ProtocolNotAvailable = "protocol_not_available";
    public const string ProviderUnreachable = "provider_unreachable";
    public const string ConnectionUnusable = "connection_unusable";
    public const string ProviderError = "provider_error";
    public const string StateInvalid = "state_invalid";
    public const string NonceInvalid = "nonce_invalid";
    public const string CodeRejected = "code_rejected";
    public const string TokenInvalid = "token_invalid";
    public const string EmailMissing = "email_missing";
    public const string EmailNotVerified = "email_not_verified";
    public const string DomainNotAllowed = "domain_not_allowed";
    public const string NotATeammate = "not_a_teammate";
    public const string DefaultRoleMissing = "default_role_missing";
    public const string InvitationPending = "invitation_pending";
    public const string LockedOut = "locked_out";
    public const string CorrelationMissing = "correlation_missing";
    public const string SamlInvalid = "saml_invalid";
    public const string Replayed = "replayed";

    public static IReadOnlyList<string> All { get; } =
    [
        NotConfigured, ProtocolNotAvailable, ProviderUnreachable, ConnectionUnusable, ProviderError, StateInvalid, NonceInvalid,
        CodeRejected, TokenInvalid, EmailMissing, EmailNotVerified, DomainNotAllowed, NotATeammate, DefaultRoleMissing, InvitationPending, LockedOut,
        CorrelationMissing, SamlInvalid, Replayed,
    ];
}
