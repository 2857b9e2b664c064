using Confide.Data.Model;

namespace Confide.Identity.Authorization;

/// <summary>
/// The built-in roles and their permissions. Owner holds everything; destructive actions at
/// scale (bulk delete, export, workspace deletion) and key and security settings stay with the
/// owner and, for privacy operations, the privacy officer.
/// </summary>
public static class BuiltInRoles
{
    public const string PrivacyOfficer = "privacy_officer";
    public const string Viewer = "viewer";

    private static readonly Dictionary<string, IReadOnlySet<string>> Roles = new(StringComparer.Ordinal)
    {
        [TeammateRoles.Owner] = Set(Permissions.All),
        [TeammateRoles.Admin] = Set(Permissions.All.Except([Permissions.WorkspaceDelete, Permissions.KeysManage])),
        [TeammateRoles.Agent] = Set(
        [
            Permissions.ConversationsReadAll, Permissions.ConversationsReadTeam, Permissions.ConversationsReadAssigned, Permissions.ConversationsReply,
            Permissions.ContactsRead, Permissions.ContactsWrite, Permissions.TagsManage, Permissions.TeammatesRead,
        ]),
        [Viewer] = Set([Permissions.ConversationsReadAll, Permissions.ConversationsReadTeam, Permissions.ConversationsReadAssigned, Permissions.ContactsRead, Permissions.TeammatesRead]),
        [PrivacyOfficer] = Set(
        [
            Permissions.ContactsRead, Permissions.ContactsReveal, Permissions.ContactsDelete, Permissions.ContactsExport, Permissions.ContactsBulkDelete,
            Permissions.ConversationsReadAll, Permissions.ConversationsReadTeam, Permissions.ConversationsReadAssigned, Permissions.ConversationsDelete,
            Permissions.TeammatesRead, Permissions.ActivityLogRead, Permissions.DataExport, Permissions.PrivacyRequestsManage, Permissions.RetentionManage,
        ]),
    };

    public static IReadOnlyCollection<string> Names => Roles.Keys;

    public static bool IsBuiltIn(string role) => Roles.ContainsKey(role);

    /// <summary>The permissions of a built-in role; none for an unknown role (deny by default).</summary>
    public static IReadOnlySet<string> PermissionsOf(string role) =>
        Roles.TryGetValue(role, out var permissions) ? permissions : new HashSet<string>();

    private static HashSet<string> Set(IEnumerable<string> permissions) => new(permissions, StringComparer.Ordinal);
}
