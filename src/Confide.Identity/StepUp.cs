using System.Security.Claims;

namespace Confide.Identity;

/// <summary>
/// Step-up re-authentication: destructive or bulk actions, key operations and security-setting
/// changes made in a teammate session need an authentication no older than <see cref="Window"/>
/// — the sign-in itself or a re-authentication with the account's strongest method (its second
/// factor or passkey when it has one; SSO accounts go through their identity provider again).
/// </summary>
public static class StepUp
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    public static bool IsFresh(ClaimsPrincipal principal, DateTimeOffset now) =>
        SessionClaims.AuthenticationTime(principal) is { } at && now - at <= Window && at <= now + TimeSpan.FromMinutes(1);
}
