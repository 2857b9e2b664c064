using System.Security.Claims;

namespace Confide.Identity;

/// <summary>
/// A workspace's "require SSO" policy. Its teammates may use it only in a session signed in
/// through its own identity provider. The one exception is the named break-glass owner, so an
/// identity-provider outage cannot lock everyone out. That owner must sign in with a passkey:
/// a password alone would make the break-glass account the weakest way in.
/// </summary>
public static class SsoRequirement
{
    public static bool IsSatisfied(Membership membership, ClaimsPrincipal session)
    {
        if (!membership.RequireSso)
        {
            return true;
        }

        var method = SessionClaims.MethodOf(session);
        if (method == SignInMethods.Sso)
        {
            return session.FindFirst(SessionClaims.SsoWorkspace)?.Value == membership.WorkspaceId;
        }

        return membership.IsBreakGlass && method == SignInMethods.Passkey;
    }

    /// <summary>
    /// Whether a password sign-in is refused outright: every workspace of the account requires
    /// SSO, so the session would be no use anywhere (break-glass owners sign in with a passkey).
    /// </summary>
    public static bool RefusesPasswordSignIn(IReadOnlyList<Membership> memberships) =>
        memberships.Count > 0 && memberships.All(m => m.RequireSso);

    /// <summary>Likewise for a passkey sign-in, which the break-glass owner of a workspace may still use.</summary>
    public static bool RefusesPasskeySignIn(IReadOnlyList<Membership> memberships) =>
        memberships.Count > 0 && memberships.All(m => m.RequireSso && !m.IsBreakGlass);
}
