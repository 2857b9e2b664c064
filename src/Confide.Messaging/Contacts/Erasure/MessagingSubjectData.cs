using Confide.Data;
using Confide.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Contacts.Erasure;

/// <summary>
/// The contact record itself. It is deleted last, by the purge's final step together with the
/// erasure's activity-log entry, so this handler only counts; its pending-erasure note goes with it.
/// </summary>
internal sealed class ContactProfileData : ISubjectDataHandler
{
    public string Category => ErasedCategories.ContactProfile;

    public IReadOnlyCollection<Type> Entities { get; } = [typeof(Contact), typeof(PendingContactErasure)];

    public async Task CountAsync(ConfideDbContext db, string workspaceId, string contactId, IDictionary<string, long> counts, CancellationToken cancellationToken)
    {
        var contact = db.Contacts.IgnoreQueryFilters().Where(c => c.WorkspaceId == workspaceId && c.Id == contactId);
        counts[ErasedCategories.ContactProfile] = await contact.LongCountAsync(cancellationToken);
        counts[ErasedCategories.CustomAttributes] = await contact.LongCountAsync(c => c.EncryptedCustomAttributes != null, cancellationToken);
    }

    public Task<SubjectDataBatch?> NextBatchAsync(CellDatabase cell, string workspaceId, string contactId, int batchSize, CancellationToken cancellationToken) =>
        Task.FromResult<SubjectDataBatch?>(null);

    /// <summary>The rows and their pending notes are deleted by the batch's caller, after every handler's write.</summary>
    public Task<Func<ConfideDbContext, CancellationToken, Task>> EraseManyAsync(CellDatabase cell, string workspaceId, IReadOnlyCollection<string> contactIds, CancellationToken cancellationToken) =>
        Task.FromResult<Func<ConfideDbContext, CancellationToken, Task>>((_, _) => Task.CompletedTask);
}

/// <summary>Every part of the contact's conversations, in batches along the (conversation, sequence) index.</summary>
internal sealed class ConversationPartData : ISubjectDataHandler
{
    public string Category => ErasedCategories.ConversationParts;

    public IReadOnlyCollection<Type> Entities { get; } = [typeof(ConversationPart)];

    public async Task CountAsync(ConfideDbContext db, string workspaceId, string contactId, IDictionary<string, long> counts, CancellationToken cancellationToken) =>
        counts[Category] = await Parts(db, workspaceId, contactId).LongCountAsync(cancellationToken);

    public async Task<SubjectDataBatch?> NextBatchAsync(CellDatabase cell, string workspaceId, string contactId, int batchSize, CancellationToken cancellationToken)
    {
        await using var db = cell.CreateReadContext();
        var ids = await Parts(db, workspaceId, contactId)
            .OrderBy(p => p.ConversationId).ThenBy(p => p.Sequence)
            .Select(p => p.Id).Take(batchSize).ToListAsync(cancellationToken);
        return ids.Count == 0 ? null : new(ids.Count, (w, ct) => w.ConversationParts.Where(p => ids.Contains(p.Id)).ExecuteDeleteAsync(ct));
    }

    public Task<Func<ConfideDbContext, CancellationToken, Task>> EraseManyAsync(CellDatabase cell, string workspaceId, IReadOnlyCollection<string> contactIds, CancellationToken cancellationToken) =>
        Task.FromResult<Func<ConfideDbContext, CancellationToken, Task>>(async (w, ct) =>
        {
            var conversations = w.Conversations.IgnoreQueryFilters().Where(c => c.WorkspaceId == workspaceId && contactIds.Contains(c.ContactId)).Select(c => c.Id);
            await w.ConversationParts.Where(p => p.WorkspaceId == workspaceId && conversations.Contains(p.ConversationId)).ExecuteDeleteAsync(ct);
        });

    private static IQueryable<ConversationPart> Parts(ConfideDbContext db, string workspaceId, string contactId)
    {
        var conversations = db.Conversations.IgnoreQueryFilters().Where(c => c.WorkspaceId == workspaceId && c.ContactId == contactId).Select(c => c.Id);
        return db.ConversationParts.Where(p => conversations.Contains(p.ConversationId));
    }
}

/// <summary>The tags applied to the contact's conversations (the tags themselves are the workspace's), before the conversations go.</summary>
internal sealed class ConversationTagData : ISubjectDataHandler
{
    public string Category => ErasedCategories.ConversationTags;

    public IReadOnlyCollection<Type> Entities { get; } = [typeof(ConversationTag)];

    public async Task CountAsync(ConfideDbContext db, string workspaceId, string contactId, IDictionary<string, long> counts, CancellationToken cancellationToken) =>
        counts[Category] = await Of(db, workspaceId, contactId).LongCountAsync(cancellationToken);

    public async Task<SubjectDataBatch?> NextBatchAsync(CellDatabase cell, string workspaceId, string contactId, int batchSize, CancellationToken cancellationToken)
    {
        await using var db = cell.CreateReadContext();
        var links = await Of(db, workspaceId, contactId).OrderBy(t => t.ConversationId).ThenBy(t => t.TagId)
            .Select(t => new { t.ConversationId, t.TagId }).Take(batchSize).ToListAsync(cancellationToken);
        if (links.Count == 0)
        {
            return null;
        }

        // Every link of these conversations is the contact's: deleting by both id lists is exact enough and repeatable.
        var conversationIds = links.Select(l => l.ConversationId).Distinct().ToList();
        var tagIds = links.Select(l => l.TagId).Distinct().ToList();
        return new(links.Count, (w, ct) => w.ConversationTags.Where(t => conversationIds.Contains(t.ConversationId) && tagIds.Contains(t.TagId)).ExecuteDeleteAsync(ct));
    }

    public Task<Func<ConfideDbContext, CancellationToken, Task>> EraseManyAsync(CellDatabase cell, string workspaceId, IReadOnlyCollection<string> contactIds, CancellationToken cancellationToken) =>
        Task.FromResult<Func<ConfideDbContext, CancellationToken, Task>>(async (w, ct) =>
        {
            var conversations = w.Conversations.IgnoreQueryFilters().Where(c => c.WorkspaceId == workspaceId && contactIds.Contains(c.ContactId)).Select(c => c.Id);
            await w.ConversationTags.Where(t => t.WorkspaceId == workspaceId && conversations.Contains(t.ConversationId)).ExecuteDeleteAsync(ct);
        });

    private static IQueryable<ConversationTag> Of(ConfideDbContext db, string workspaceId, string contactId)
    {
        var conversations = db.Conversations.IgnoreQueryFilters().Where(c => c.WorkspaceId == workspaceId && c.ContactId == contactId).Select(c => c.Id);
        return db.ConversationTags.Where(t => t.WorkspaceId == workspaceId && conversations.Contains(t.ConversationId));
    }
}

/// <summary>The contact's conversations, once their parts are gone.</summary>
internal sealed class ConversationData : ISubjectDataHandler
{
    public string Category => ErasedCategories.Conversations;

    public IReadOnlyCollection<Type> Entities { get; } = [typeof(Conversation)];

    public async Task CountAsync(ConfideDbContext db, string workspaceId, string contactId, IDictionary<string, long> counts, CancellationToken cancellationToken) =>
        counts[Category] = await Of(db, workspaceId, contactId).LongCountAsync(cancellationToken);

    public async Task<SubjectDataBatch?> NextBatchAsync(CellDatabase cell, string workspaceId, string contactId, int batchSize, CancellationToken cancellationToken)
    {
        await using var db = cell.CreateReadContext();
        var ids = await Of(db, workspaceId, contactId).OrderBy(c => c.Id).Select(c => c.Id).Take(batchSize).ToListAsync(cancellationToken);
        // Any part left behind goes with its conversation (a cascade in the model).
        return ids.Count == 0 ? null : new(ids.Count, (w, ct) => w.Conversations.IgnoreQueryFilters().Where(c => ids.Contains(c.Id)).ExecuteDeleteAsync(ct));
    }

    public Task<Func<ConfideDbContext, CancellationToken, Task>> EraseManyAsync(CellDatabase cell, string workspaceId, IReadOnlyCollection<string> contactIds, CancellationToken cancellationToken) =>
        Task.FromResult<Func<ConfideDbContext, CancellationToken, Task>>((w, ct) =>
            w.Conversations.IgnoreQueryFilters().Where(c => c.WorkspaceId == workspaceId && contactIds.Contains(c.ContactId)).ExecuteDeleteAsync(ct));

    private static IQueryable<Conversation> Of(ConfideDbContext db, string workspaceId, string contactId) =>
        db.Conversations.IgnoreQueryFilters().Where(c => c.WorkspaceId == workspaceId && c.ContactId == contactId);
}

/// <summary>Teammates' notes about the contact.</summary>
internal sealed class NoteData : ISubjectDataHandler
{
    public string Category => ErasedCategories.Notes;

    public IReadOnlyCollection<Type> Entities { get; } = [typeof(Note)];

    public async Task CountAsync(ConfideDbContext db, string workspaceId, string contactId, IDictionary<string, long> counts, CancellationToken cancellationToken) =>
        counts[Category] = await db.Notes.LongCountAsync(n => n.WorkspaceId == workspaceId && n.ContactId == contactId, cancellationToken);

    public async Task<SubjectDataBatch?> NextBatchAsync(CellDatabase cell, string workspaceId, string contactId, int batchSize, CancellationToken cancellationToken)
    {
        await using var db = cell.CreateReadContext();
        var ids = await db.Notes.Where(n => n.WorkspaceId == workspaceId && n.ContactId == contactId)
            .OrderBy(n => n.Id).Select(n => n.Id).Take(batchSize).ToListAsync(cancellationToken);
        return ids.Count == 0 ? null : new(ids.Count, (w, ct) => w.Notes.Where(n => ids.Contains(n.Id)).ExecuteDeleteAsync(ct));
    }

    public Task<Func<ConfideDbContext, CancellationToken, Task>> EraseManyAsync(CellDatabase cell, string workspaceId, IReadOnlyCollection<string> contactIds, CancellationToken cancellationToken) =>
        Task.FromResult<Func<ConfideDbContext, CancellationToken, Task>>((w, ct) =>
            w.Notes.Where(n => n.WorkspaceId == workspaceId && contactIds.Contains(n.ContactId)).ExecuteDeleteAsync(ct));
}

/// <summary>The tags applied to the contact (the tags themselves are the workspace's).</summary>
internal sealed class ContactTagData : ISubjectDataHandler
{
    public string Category => ErasedCategories.Tags;

    public IReadOnlyCollection<Type> Entities { get; } = [typeof(ContactTag)];

    public async Task CountAsync(ConfideDbContext db, string workspaceId, string contactId, IDictionary<string, long> counts, CancellationToken cancellationToken) =>
        counts[Category] = await db.ContactTags.LongCountAsync(t => t.WorkspaceId == workspaceId && t.ContactId == contactId, cancellationToken);

    public async Task<SubjectDataBatch?> NextBatchAsync(CellDatabase cell, string workspaceId, string contactId, int batchSize, CancellationToken cancellationToken)
    {
        await using var db = cell.CreateReadContext();
        var tagIds = await db.ContactTags.Where(t => t.WorkspaceId == workspaceId && t.ContactId == contactId)
            .OrderBy(t => t.TagId).Select(t => t.TagId).Take(batchSize).ToListAsync(cancellationToken);
        return tagIds.Count == 0 ? null : new(tagIds.Count, (w, ct) => w.ContactTags.Where(t => t.ContactId == contactId && tagIds.Contains(t.TagId)).ExecuteDeleteAsync(ct));
    }

    public Task<Func<ConfideDbContext, CancellationToken, Task>> EraseManyAsync(CellDatabase cell, string workspaceId, IReadOnlyCollection<string> contactIds, CancellationToken cancellationToken) =>
        Task.FromResult<Func<ConfideDbContext, CancellationToken, Task>>((w, ct) =>
            w.ContactTags.Where(t => t.WorkspaceId == workspaceId && contactIds.Contains(t.ContactId)).ExecuteDeleteAsync(ct));
}
