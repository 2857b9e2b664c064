using Confide.Data;
using Confide.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Contacts.Erasure;

/// <summary>
/// The contact's links to conversations (<see cref="ConversationParticipant"/>): those attaching
/// them to someone else's conversation, and those attaching others to their own conversations,
/// which go before the conversations do.
/// </summary>
internal sealed class ConversationParticipantData : ISubjectDataHandler
{
    public string Category => ErasedCategories.ConversationParticipants;

    public IReadOnlyCollection<Type> Entities { get; } = [typeof(ConversationParticipant)];

    public async Task CountAsync(ConfideDbContext db, string workspaceId, string contactId, IDictionary<string, long> counts, CancellationToken cancellationToken) =>
        counts[Category] = await Of(db, workspaceId, [contactId]).LongCountAsync(cancellationToken);

    public async Task<SubjectDataBatch?> NextBatchAsync(CellDatabase cell, string workspaceId, string contactId, int batchSize, CancellationToken cancellationToken)
    {
        await using var db = cell.CreateReadContext();
        var links = await Of(db, workspaceId, [contactId]).OrderBy(p => p.ConversationId).ThenBy(p => p.ContactId)
            .Select(p => new { p.ConversationId, p.ContactId }).Take(batchSize).ToListAsync(cancellationToken);
        if (links.Count == 0)
        {
            return null;
        }

        // Deleting by both id lists may take a few more links of the same conversations and contacts: all of them are this contact's, and the write repeats safely.
        var conversationIds = links.Select(l => l.ConversationId).Distinct().ToList();
        var contactIds = links.Select(l => l.ContactId).Distinct().ToList();
        return new(links.Count, (w, ct) => Of(w, workspaceId, [contactId])
            .Where(p => conversationIds.Contains(p.ConversationId) && contactIds.Contains(p.ContactId)).ExecuteDeleteAsync(ct));
    }

    public Task<Func<ConfideDbContext, CancellationToken, Task>> EraseManyAsync(CellDatabase cell, string workspaceId, IReadOnlyCollection<string> contactIds, CancellationToken cancellationToken) =>
        Task.FromResult<Func<ConfideDbContext, CancellationToken, Task>>((w, ct) => Of(w, workspaceId, contactIds).ExecuteDeleteAsync(ct));

    /// <summary>
    /// The lead's links become the user's; the links on the lead's conversations go with them (the
    /// conversations move). A link that would name the user twice on a conversation, or on the
    /// user's own conversation, is dropped.
    /// </summary>
    public async Task MergeAsync(ConfideDbContext db, ContactMerge merge, CancellationToken cancellationToken)
    {
        var merged = new[] { merge.LeadId, merge.UserId };
        var theirConversations = db.Conversations.IgnoreQueryFilters()
            .Where(c => c.WorkspaceId == merge.WorkspaceId && merged.Contains(c.ContactId)).Select(c => c.Id);
        var userLinked = db.ConversationParticipants.Where(p => p.WorkspaceId == merge.WorkspaceId && p.ContactId == merge.UserId).Select(p => p.ConversationId);
        await db.ConversationParticipants
            .Where(p => p.WorkspaceId == merge.WorkspaceId && p.ContactId == merge.LeadId && (theirConversations.Contains(p.ConversationId) || userLinked.Contains(p.ConversationId)))
            .ExecuteDeleteAsync(cancellationToken);
        await db.ConversationParticipants.Where(p => p.WorkspaceId == merge.WorkspaceId && p.ContactId == merge.LeadId)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.ContactId, merge.UserId), cancellationToken);
        var leadConversations = db.Conversations.IgnoreQueryFilters()
            .Where(c => c.WorkspaceId == merge.WorkspaceId && c.ContactId == merge.LeadId).Select(c => c.Id);
        await db.ConversationParticipants
            .Where(p => p.WorkspaceId == merge.WorkspaceId && p.ContactId == merge.UserId && leadConversations.Contains(p.ConversationId))
            .ExecuteDeleteAsync(cancellationToken);
    }

    /// <summary>The links naming any of <paramref name="contactIds"/>, or on a conversation one of them started.</summary>
    private static IQueryable<ConversationParticipant> Of(ConfideDbContext db, string workspaceId, IReadOnlyCollection<string> contactIds)
    {
        var ids = contactIds.ToList();
        var conversations = db.Conversations.IgnoreQueryFilters().Where(c => c.WorkspaceId == workspaceId && ids.Contains(c.ContactId)).Select(c => c.Id);
        return db.ConversationParticipants.Where(p => p.WorkspaceId == workspaceId && (ids.Contains(p.ContactId) || conversations.Contains(p.ConversationId)));
    }
}
