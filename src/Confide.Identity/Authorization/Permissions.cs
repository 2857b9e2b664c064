namespace Confide.Identity.Authorization;

/// <summary>
/// The granular permissions roles are made of. An endpoint declares the one it needs
/// (<see cref="PermissionEndpointExtensions.RequirePermission{TBuilder}"/>); a caller holds the
/// permissions of their role, narrowed by the scopes of the API token they use.
/// docs/permissions.md is the table; a test keeps it equal to <see cref="All"/>.
/// </summary>
public static class Permissions
{
    public const string ConversationsReadAll = "conversations.read.all";
    public const string ConversationsReadTeam = "conversations.read.team";
    public const string ConversationsReadAssigned = "conversations.read.assigned";
    public const string ConversationsReply = "conversations.reply";
    public const string ConversationsDelete = "conversations.delete";
    public const string ContactsRead = "contacts.read";
    public const string ContactsWrite = "contacts.write";
    public const string ContactsDelete = "contacts.delete";
    public const string ContactsExport = "contacts.export";
    public const string ContactsBulkDelete = "contacts.bulk_delete";
    public const string ContactsReveal = "contacts.reveal";
    public const string TagsManage = "tags.manage";
    public const string TeammatesRead = "teammates.read";
    public const string TeammatesManage = "teammates.manage";
    public const string SecurityManage = "security.manage";
    public const string ActivityLogRead = "activity_log.read";
    public const string DataExport = "data.export";
    public const string WorkspaceDelete = "workspace.delete";
    public const string ApiTokensManage = "api_tokens.manage";
    public const string PrivacyRequestsManage = "privacy_requests.manage";
    public const string RetentionManage = "retention.manage";
    public const string KeysManage = "keys.manage";

    public static IReadOnlyList<string> All { get; } =
    [
        ConversationsReadAll, ConversationsReadTeam, ConversationsReadAssigned, ConversationsReply, ConversationsDelete,
        ContactsRead, ContactsWrite, ContactsDelete, ContactsExport, ContactsBulkDelete, ContactsReveal,
        TagsManage, TeammatesRead, TeammatesManage, SecurityManage, ActivityLogRead, DataExport,
        WorkspaceDelete, ApiTokensManage, PrivacyRequestsManage, RetentionManage, KeysManage,
    ];

    public static bool IsKnown(string permission) => All.Contains(permission, StringComparer.Ordinal);

    /// <summary>
    /// The conversation read permissions nest: whoever reads all conversations reads those of
    /// their teams, and whoever reads their teams' reads their own. Holding the wider one
    /// therefore grants the narrower ones, so a role or a token scope naming only the wider
    /// one passes the read endpoints' gate (<see cref="ConversationsReadAssigned"/>), where the
    /// query is then narrowed to what the widest one held allows.
    /// </summary>
    private static readonly (string Wider, string Narrower)[] Implications =
    [
        (ConversationsReadAll, ConversationsReadTeam),
        (ConversationsReadTeam, ConversationsReadAssigned),
    ];

    /// <summary><paramref name="permissions"/> with every permission they imply.</summary>
    public static HashSet<string> WithImplied(IEnumerable<string> permissions)
    {
        var all = new HashSet<string>(permissions, StringComparer.Ordinal);
        // Implications are listed widest first, so one pass reaches the narrowest.
        foreach (var (wider, narrower) in Implications)
        {
            if (all.Contains(wider))
            {
                all.Add(narrower);
            }
        }

        return all;
    }
}
