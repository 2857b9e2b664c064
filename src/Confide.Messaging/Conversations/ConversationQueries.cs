using System.Linq.Expressions;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Messaging.Api;
using Confide.Messaging.Tags;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Conversations;

internal static class ConversationQueries
{
    // The queries behind GET /conversations/{id} and every reply's response are compiled once:
    // building and translating the LINQ expression on each call costs more than running it.
    private static readonly CompiledPerProvider<Func<ConfideDbContext, string, string, CancellationToken, Task<ConversationWithContact?>>> ConversationWithContactById = new(() =>
        EF.CompileAsyncQuery((ConfideDbContext db, string workspaceId, string conversationId, CancellationToken ct) =>
            db.Conversations.AsNoTracking()
                .Where(c => c.WorkspaceId == workspaceId && c.Id == conversationId)
                .Join(db.Contacts, c => c.ContactId, k => k.Id, (c, k) => new ConversationWithContact(c, k))
                .FirstOrDefault()));

    private static readonly CompiledPerProvider<Func<ConfideDbContext, string, IAsyncEnumerable<ConversationPart>>> PartsInOrder = new(() =>
        EF.CompileAsyncQuery<ConfideDbContext, string, ConversationPart>((db, conversationId) =>
            db.ConversationParts.AsNoTracking()
                .Where(p => p.ConversationId == conversationId)
                .OrderBy(p => p.Sequence)));

    private static readonly CompiledPerProvider<Func<ConfideDbContext, string, IAsyncEnumerable<AppliedTagRow>>> TagsInOrder = new(() =>
        EF.CompileAsyncQuery<ConfideDbContext, string, AppliedTagRow>((db, conversationId) =>
            from link in db.ConversationTags.AsNoTracking()
            where link.ConversationId == conversationId
            join tag in db.Tags on link.TagId equals tag.Id
            orderby link.CreatedAt, link.TagId
            select new AppliedTagRow(link.ConversationId, link.TagId, tag.Name, link.CreatedAt, link.AppliedById)));

    /// <summary>One conversation with all its parts, or a 404 when it is not in this workspace (or not within <paramref name="scope"/>).</summary>
    public static async Task<ConversationView> GetAsync(ConfideDbContext db, ContactKeyRing keys, CellDatabase cell, string workspaceId, string conversationId, CancellationToken ct, ConversationScope? scope = null)
    {
        // The queries share one connection, opened once (the context closes it when disposed).
        await db.Database.OpenConnectionAsync(ct);
        var (conversation, contact) = await ConversationWithContactById.For(db)(db, workspaceId, conversationId, ct)
            ?? throw new ConfideException(ConfideError.NotFound("Conversation"));
        if (scope is not null && !await scope.AllowsAsync(db, conversation, ct))
        {
            throw new ConfideException(ConfideError.NotFound("Conversation"));
        }

        var parts = new List<ConversationPart>(conversation.PartCount);
        await foreach (var part in PartsInOrder.For(db)(db, conversation.Id).WithCancellation(ct))
        {
            parts.Add(part);
        }

        var teammates = await TeammateDirectory.LoadAsync(db, keys, cell, workspaceId, TeammateDirectory.AdminAuthorsOf(parts), ct);
        var cipher = await keys.ForContactAsync(cell, workspaceId, contact.Id, ct);
        var tags = new List<AppliedTagView>();
        await foreach (var row in TagsInOrder.For(db)(db, conversation.Id).WithCancellation(ct))
        {
            tags.Add(row.View());
        }

        var participants = await ParticipantsAsync(db, keys, cell, workspaceId, [conversation.Id], ct);
        return new ConversationRenderer(contact, cipher, teammates).Render(conversation, parts[0], parts[1..], tags, [.. parts.Select(PartFacts.Of)], participants[conversation.Id]);
    }

    /// <summary>
    /// A page of the workspace's conversations, newest first; with <paramref name="predicate"/>
    /// (a search), only those it matches. <c>total_count</c> counts all of them.
    /// </summary>
    public static async Task<ConversationListView> PageAsync(ConfideDbContext db, ContactKeyRing keys, CellDatabase cell, string workspaceId, int perPage, string? after, CancellationToken ct, ConversationScope? scope = null, Expression<Func<Conversation, bool>>? predicate = null)
    {
        var all = db.Conversations.Where(c => c.WorkspaceId == workspaceId);
        if (scope is not null)
        {
            all = scope.Apply(all, db);
        }

        if (predicate is not null)
        {
            all = all.Where(predicate);
        }

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
        // The opening is part 1, or the retention tombstone (sequence 0) that replaced it.
        var openings = await db.ConversationParts
            .Where(p => ids.Contains(p.ConversationId) && p.Sequence == db.ConversationParts.Where(q => q.ConversationId == p.ConversationId).Min(q => q.Sequence))
            .ToDictionaryAsync(p => p.ConversationId, ct);
        var contacts = await db.Contacts.Where(c => contactIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, ct);
        // The parts without their bodies: what each conversation's statistics and teammates come from.
        var facts = (await db.ConversationParts
            .Where(p => ids.Contains(p.ConversationId))
            .Select(p => new { p.ConversationId, p.Sequence, p.PartType, p.AuthorType, p.AuthorId, p.CreatedAt })
            .ToListAsync(ct))
            .ToLookup(p => p.ConversationId, p => new PartFacts(p.ConversationId, p.Sequence, p.PartType, p.AuthorType, p.AuthorId, p.CreatedAt));
        var teammates = await TeammateDirectory.LoadAsync(db, keys, cell, workspaceId, TeammateDirectory.AdminAuthorsOf(openings.Values), ct);
        var tags = await TagsAsync(db, ids, ct);
        var participants = await ParticipantsAsync(db, keys, cell, workspaceId, ids, ct);
        var views = new List<ConversationView>(page.Count);
        foreach (var conversation in page)
        {
            // Conversations of an erased contact (left by a crash or a restored backup) are not listed.
            if (await keys.TryForContactAsync(cell, workspaceId, conversation.ContactId, ct) is { } cipher)
            {
                views.Add(new ConversationRenderer(contacts[conversation.ContactId], cipher, teammates).Render(conversation, openings[conversation.Id], laterParts: null, [.. tags[conversation.Id]], [.. facts[conversation.Id]], participants[conversation.Id]));
            }
        }

        return new ConversationListView(views, total, PagesView.For(views, perPage, total, hasMore, v => v.Id));
    }

    /// <summary>The tags of each conversation of a page, in the order they were applied, with one query.</summary>
    private static async Task<ILookup<string, AppliedTagView>> TagsAsync(ConfideDbContext db, IReadOnlyCollection<string> conversationIds, CancellationToken ct)
    {
        var rows = await (
            from link in db.ConversationTags.AsNoTracking()
            where conversationIds.Contains(link.ConversationId)
            join tag in db.Tags on link.TagId equals tag.Id
            orderby link.CreatedAt, link.TagId
            select new AppliedTagRow(link.ConversationId, link.TagId, tag.Name, link.CreatedAt, link.AppliedById)).ToListAsync(ct);
        return rows.ToLookup(r => r.ConversationId, r => r.View());
    }

    /// <summary>
    /// The contacts attached to each conversation (besides the one who started it), in the order
    /// they were attached; a contact being erased, or whose key is gone, is left out.
    /// </summary>
    private static async Task<ILookup<string, ContactRefView>> ParticipantsAsync(ConfideDbContext db, ContactKeyRing keys, CellDatabase cell, string workspaceId, IReadOnlyCollection<string> conversationIds, CancellationToken ct)
    {
        var ids = conversationIds.ToList();
        var rows = await (
            from link in db.ConversationParticipants.AsNoTracking()
            where link.WorkspaceId == workspaceId && ids.Contains(link.ConversationId)
            join contact in db.Contacts.AsNoTracking() on link.ContactId equals contact.Id
            orderby link.CreatedAt, link.ContactId
            select new { link.ConversationId, Contact = contact }).ToListAsync(ct);
        var views = new List<(string ConversationId, ContactRefView Contact)>(rows.Count);
        foreach (var row in rows)
        {
            if (await keys.TryForContactAsync(cell, workspaceId, row.Contact.Id, ct) is { } cipher)
            {
                views.Add((row.ConversationId, new ContactRefView(row.Contact.Id, cipher.ExternalId(row.Contact))));
            }
        }

        return views.ToLookup(v => v.ConversationId, v => v.Contact);
    }

    private sealed record AppliedTagRow(string ConversationId, string TagId, string Name, DateTimeOffset AppliedAt, string AppliedById)
    {
        public AppliedTagView View() => new(TagId, Name, Unix.Seconds(AppliedAt), new AdminRefView(AppliedById));
    }

    private sealed record ConversationWithContact(Conversation Conversation, Contact Contact);
}
