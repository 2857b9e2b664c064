using Confide.Data.Model;

namespace Confide.Identity.Authorization;

/// <summary>What a teammate's role allows: a built-in role's table, or a workspace role's own list.</summary>
public static class RolePermissions
{
    /// <param name="role">A built-in role name, or the id of a <see cref="WorkspaceRole"/>.</param>
    /// <param name="customPermissions">The workspace role's permissions when <paramref name="role"/> names one; null otherwise.</param>
    public static IReadOnlySet<string> Resolve(string role, string? customPermissions) =>
        BuiltInRoles.IsBuiltIn(role)
            ? BuiltInRoles.PermissionsOf(role)
            : Permissions.WithImplied(TokenScopes.Parse(customPermissions).Where(Permissions.IsKnown));

    /// <summary>
    /// Whether the workspace's two-factor requirement covers a teammate with these permissions:
    /// "admins" means whoever can manage teammates or security settings (owners and admins, and
    /// any workspace role given those powers).
    /// </summary>
    public static bool RequiresTwoFactor(string requirement, IReadOnlySet<string> permissions) =>
        requirement == TwoFactorRequirements.Everyone
        || (requirement == TwoFactorRequirements.Admins && (permissions.Contains(Permissions.TeammatesManage) || permissions.Contains(Permissions.SecurityManage)));
}
