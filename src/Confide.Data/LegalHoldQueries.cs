using Confide.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace Confide.Data;

/// <summary>
/// The one definition of "held", for every deletion path (retention rules, erasure, bulk erasure,
/// workspace deletion). A hold is active from its creation until it is released or its
/// <see cref="LegalHold.Until"/> passes. A held conversation holds its contact too (erasing the
/// contact would delete the conversation), and a held contact holds all its conversations.
/// </summary>
public static class LegalHoldQueries
{
    public static IQueryable<LegalHold> ActiveHolds(this ConfideDbContext db, string workspaceId, DateTimeOffset now) =>
        db.LegalHolds.Where(h => h.WorkspaceId == workspaceId && h.ReleasedAt == null && (h.Until == null || h.Until > now));

    /// <summary>Whether the whole workspace is held.</summary>
    public static Task<bool> IsWorkspaceHeldAsync(this ConfideDbContext db, string workspaceId, DateTimeOffset now, CancellationToken cancellationToken) =>
        db.ActiveHolds(workspaceId, now).AnyAsync(h => h.TargetType == LegalHoldTargets.Workspace, cancellationToken);

    /// <summary>Contacts that must not be deleted: held themselves or through one of their conversations (not counting a workspace hold).</summary>
    public static IQueryable<string> HeldContactIds(this ConfideDbContext db, string workspaceId, DateTimeOffset now)
    {
        var holds = db.ActiveHolds(workspaceId, now);
        var direct = holds.Where(h => h.TargetType == LegalHoldTargets.Contact).Select(h => h.TargetId);
        var heldConversations = holds.Where(h => h.TargetType == LegalHoldTargets.Conversation).Select(h => h.TargetId);
        var throughConversations = db.Conversations.IgnoreQueryFilters()
            .Where(c => c.WorkspaceId == workspaceId && heldConversations.Contains(c.Id)).Select(c => c.ContactId);
        return direct.Union(throughConversations);
    }

    /// <summary>Conversations that must not be deleted or shortened: held themselves or through their contact (not counting a workspace hold).</summary>
    public static IQueryable<string> HeldConversationIds(this ConfideDbContext db, string workspaceId, DateTimeOffset now)
    {
        var holds = db.ActiveHolds(workspaceId, now);
        var direct = holds.Where(h => h.TargetType == LegalHoldTargets.Conversation).Select(h => h.TargetId);
        var heldContacts = holds.Where(h => h.TargetType == LegalHoldTargets.Contact).Select(h => h.TargetId);
        var throughContacts = db.Conversations.IgnoreQueryFilters()
            .Where(c => c.WorkspaceId == workspaceId && heldContacts.Contains(c.ContactId)).Select(c => c.Id);
        return direct.Union(throughContacts);
    }

    /// <summary>Whether anything stops the contact's deletion: a hold on the workspace, the contact or one of its conversations.</summary>
    public static async Task<bool> IsContactHeldAsync(this ConfideDbContext db, string workspaceId, string contactId, DateTimeOffset now, CancellationToken cancellationToken) =>
        await db.IsWorkspaceHeldAsync(workspaceId, now, cancellationToken)
        || await db.HeldContactIds(workspaceId, now).ContainsAsync(contactId, cancellationToken);
}
