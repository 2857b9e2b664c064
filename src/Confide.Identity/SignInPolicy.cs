using System.Security.Claims;
using Confide.Data.Model;

namespace Confide.Identity;

/// <summary>
/// Which sessions a workspace accepts, by how they were signed in: its allowed sign-in methods,
/// and "require SSO" — only sessions signed in through its own identity provider. The one
/// exception to both is the named break-glass owner, so an identity-provider outage cannot lock
/// everyone out; that owner must sign in with a passkey, since a password alone would make the
/// break-glass account the weakest way in.
/// </summary>
public static class SignInPolicy
{
    public static bool IsSatisfied(Membership membership, ClaimsPrincipal session)
    {
        var method = SessionClaims.MethodOf(session);
        if (membership.IsBreakGlass && method == SignInMethods.Passkey)
        {
            return true;
        }

        if (method == SignInMethods.Sso && session.FindFirst(SessionClaims.SsoWorkspace)?.Value != membership.WorkspaceId)
        {
            // Another workspace's identity provider vouches for nothing here.
            return false;
        }

        if (membership.RequireSso && method != SignInMethods.Sso)
        {
            return false;
        }

        // Sessions issued before sign-in methods were recorded were all password sessions.
        return Allows(membership, SignInMethods.FamilyOf(method ?? SignInMethods.Password));
    }

    /// <summary>Whether the workspace's allowed methods include <paramref name="family"/> (<see cref="SignInMethodFamilies"/>).</summary>
    public static bool Allows(Membership membership, string family) =>
        membership.AllowedSignInMethods is not { } allowed || allowed.Contains(family);

    /// <summary>
    /// Whether a password sign-in is refused outright: no workspace of the account accepts a
    /// password session, so it would be no use anywhere (break-glass owners use a passkey).
    /// </summary>
    public static bool RefusesPasswordSignIn(IReadOnlyList<Membership> memberships) =>
        memberships.Count > 0 && memberships.All(m => m.RequireSso || !Allows(m, SignInMethodFamilies.Password));

    /// <summary>Likewise for a passkey sign-in, which the break-glass owner of a workspace may still use.</summary>
    public static bool RefusesPasskeySignIn(IReadOnlyList<Membership> memberships) =>
        memberships.Count > 0 && memberships.All(m => !m.IsBreakGlass && (m.RequireSso || !Allows(m, SignInMethodFamilies.Passkey)));
}
