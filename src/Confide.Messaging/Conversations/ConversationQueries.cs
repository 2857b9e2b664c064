using Confide.Data;
using Confide.Data.Model;
using Confide.Messaging.Api;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Conversations;

internal static class ConversationQueries
{
    /// <summary>One conversation with all its parts, or a 404 when it is not in this workspace.</summary>
    public static async Task<ConversationView> GetAsync(ConfideDbContext db, string workspaceId, string conversationId, CancellationToken ct)
    {
        var conversation = await db.Conversations.FirstOrDefaultAsync(c => c.WorkspaceId == workspaceId && c.Id == conversationId, ct)
            ?? throw new ConfideException(ConfideError.NotFound("Conversation"));
        var parts = await db.ConversationParts
            .Where(p => p.ConversationId == conversation.Id)
            .OrderBy(p => p.Sequence)
            .ToListAsync(ct);
        var contact = await db.Contacts.FirstAsync(c => c.Id == conversation.ContactId, ct);
        var teammates = await TeammatesAsync(db, workspaceId, ct);
        return new ConversationRenderer(contact, teammates).Render(conversation, parts[0], parts.Skip(1).ToList());
    }

    public static async Task<ConversationListView> PageAsync(ConfideDbContext db, string workspaceId, int perPage, string? after, CancellationToken ct)
    {
        var all = db.Conversations.Where(c => c.WorkspaceId == workspaceId);
        var total = await all.CountAsync(ct);
        var query = after is null ? all : all.Where(c => string.Compare(c.Id, after) < 0);
        var page = await query.OrderByDescending(c => c.Id).Take(perPage + 1).ToListAsync(ct);
        var hasMore = page.Count > perPage;
        if (hasMore)
        {
            page.RemoveAt(page.Count - 1);
        }

        var ids = page.Select(c => c.Id).ToList();
        var contactIds = page.Select(c => c.ContactId).Distinct().ToList();
        var openings = await db.ConversationParts.Where(p => ids.Contains(p.ConversationId) && p.Sequence == 1).ToDictionaryAsync(p => p.ConversationId, ct);
        var contacts = await db.Contacts.Where(c => contactIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, ct);
        var teammates = await TeammatesAsync(db, workspaceId, ct);
        var views = page
            .Select(c => new ConversationRenderer(contacts[c.ContactId], teammates).Render(c, openings[c.Id], laterParts: null))
            .ToList();
        return new ConversationListView(views, total, PagesView.For(views, perPage, total, hasMore, v => v.Id));
    }

    private static async Task<Dictionary<string, Teammate>> TeammatesAsync(ConfideDbContext db, string workspaceId, CancellationToken ct) =>
        await db.Teammates.Where(t => t.WorkspaceId == workspaceId).ToDictionaryAsync(t => t.Id, ct);
}
