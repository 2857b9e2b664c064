namespace Confide.Identity.Sso.Saml;

/// <summary>
/// What a response must match. <see cref="ExpectedInResponseTo"/> is the ID of the AuthnRequest
/// this browser started (kept in a protected correlation cookie): only SP-initiated login is accepted.
/// </summary>
public sealed record SamlValidationContext(
    SamlIdentityProvider IdentityProvider,
    SamlServiceProvider ServiceProvider,
    string ExpectedInResponseTo,
    TimeProvider Time)
{
    public static readonly TimeSpan DefaultClockSkew = TimeSpan.FromMinutes(2);

    public TimeSpan ClockSkew { get; init; } = DefaultClockSkew;
}
