using Confide.Data;
using Confide.Data.Model;
using Confide.Identity.Authorization;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Conversations;

/// <summary>
/// The conversations a teammate without <c>conversations.read.all</c> may read, and so act on:
/// those assigned to them, and with <c>conversations.read.team</c> also those assigned to any
/// team they belong to. Memberships are read at query time, so leaving a team takes effect on
/// the next request. The REST API and the web inbox share it; everything else is a 404.
/// </summary>
public sealed record ConversationScope(string TeammateId, bool WithTeams)
{
    /// <summary>The scope of a teammate holding <paramref name="permissions"/>; null when they may read every conversation.</summary>
    public static ConversationScope? For(IReadOnlySet<string> permissions, string teammateId) =>
        permissions.Contains(Permissions.ConversationsReadAll)
            ? null
            : new ConversationScope(teammateId, permissions.Contains(Permissions.ConversationsReadTeam));

    internal IQueryable<Conversation> Apply(IQueryable<Conversation> conversations, ConfideDbContext db)
    {
        var teammateId = TeammateId;
        return WithTeams
            ? conversations.Where(c => c.AdminAssigneeId == teammateId
                || db.TeamMembers.Any(m => m.TeammateId == teammateId && m.TeamId == c.TeamAssigneeId))
            : conversations.Where(c => c.AdminAssigneeId == teammateId);
    }

    internal async Task<bool> AllowsAsync(ConfideDbContext db, Conversation conversation, CancellationToken ct)
    {
        if (conversation.AdminAssigneeId == TeammateId)
        {
            return true;
        }

        var teammateId = TeammateId;
        return WithTeams && conversation.TeamAssigneeId is { } teamId
            && await db.TeamMembers.AnyAsync(m => m.TeamId == teamId && m.TeammateId == teammateId, ct);
    }
}
