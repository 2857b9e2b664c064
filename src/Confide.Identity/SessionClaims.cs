using System.Globalization;
using System.Security.Claims;

namespace Confide.Identity;

/// <summary>
/// What a teammate's session cookie says about how it was signed in. Workspace policies (require
/// SSO, require two-factor) and step-up re-authentication read these; they are copied across
/// Identity's periodic principal refresh (<see cref="TeammateSignInManager"/>).
/// </summary>
public static class SessionClaims
{
    /// <summary>How the session was signed in: one of <see cref="SignInMethods"/>.</summary>
    public const string Method = "confide:sign_in_method";

    /// <summary>For SSO sessions, the workspace whose identity provider vouched for the teammate.</summary>
    public const string SsoWorkspace = "confide:sso_workspace";

    /// <summary>
    /// Unix seconds of the teammate's last authentication with their strongest method: the
    /// sign-in itself, or a later re-authentication (<see cref="StepUp"/>).
    /// </summary>
    public const string AuthenticatedAt = "confide:authenticated_at";

    /// <summary>The session's id on the server (<see cref="Sessions.TeammateSessions"/>): the cookie works only while it lasts there.</summary>
    public const string SessionId = "confide:session";

    public static string? MethodOf(ClaimsPrincipal principal) => principal.FindFirst(Method)?.Value;

    public static DateTimeOffset? AuthenticationTime(ClaimsPrincipal principal) =>
        long.TryParse(principal.FindFirst(AuthenticatedAt)?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    public static Claim AuthenticatedAtClaim(DateTimeOffset at) =>
        new(AuthenticatedAt, at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));

    /// <summary>The claims that describe the sign-in rather than the account, and so survive a refresh.</summary>
    public static bool IsSessionClaim(Claim claim) => claim.Type is Method or SsoWorkspace or AuthenticatedAt or SessionId;

    public static string? SessionIdOf(ClaimsPrincipal principal) => principal.FindFirst(SessionId)?.Value;
}

public static class SignInMethods
{
    public const string Password = "password";

    /// <summary>A password and then an authenticator code or a recovery code.</summary>
    public const string PasswordAndSecondFactor = "password_second_factor";

    public const string Passkey = "passkey";

    public const string Sso = "sso";

    /// <summary>What a workspace's allowed sign-in methods call the method (<see cref="Data.Model.SignInMethodFamilies"/>).</summary>
    public static string FamilyOf(string method) => method switch
    {
        Password or PasswordAndSecondFactor => Data.Model.SignInMethodFamilies.Password,
        Passkey => Data.Model.SignInMethodFamilies.Passkey,
        Sso => Data.Model.SignInMethodFamilies.Sso,
        _ => method,
    };
}
