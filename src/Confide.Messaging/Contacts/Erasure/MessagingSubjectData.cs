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

    /// <summary>
    /// The profiles become one: the user's custom attributes win where both have a value, the
    /// lead's fill the rest; the lead's name, phone and email fill the user's where the user has
    /// none (an email only when no other user holds it: users are unique by email). The lead's row
    /// itself goes with its erasure, which clears its lookups in this same transaction.
    /// </summary>
    public async Task MergeAsync(ConfideDbContext db, ContactMerge merge, CancellationToken cancellationToken)
    {
        var lead = await db.Contacts.AsTracking().FirstAsync(c => c.WorkspaceId == merge.WorkspaceId && c.Id == merge.LeadId, cancellationToken);
        var user = await db.Contacts.AsTracking().FirstAsync(c => c.WorkspaceId == merge.WorkspaceId && c.Id == merge.UserId, cancellationToken);
        var attributes = System.Text.Json.Nodes.JsonNode.Parse(merge.Lead.CustomAttributes(lead))!.AsObject();
        foreach (var (key, node) in System.Text.Json.Nodes.JsonNode.Parse(merge.User.CustomAttributes(user))!.AsObject())
        {
            attributes[key] = node?.DeepClone();
        }

        if (attributes.Count > 0)
        {
            merge.User.SetCustomAttributes(user, attributes.ToJsonString());
        }

        if (user.EncryptedName is null && merge.Lead.Name(lead) is { } name)
        {
            merge.User.SetName(user, name);
        }

        if (user.EncryptedPhone is null && merge.Lead.Phone(lead) is { } phone)
        {
            merge.User.SetPhone(user, phone);
            user.PhoneLookup = merge.Lookup.Phone(phone);
        }

        if (user.EncryptedEmail is null && merge.Lead.Email(lead) is { } email)
        {
            var emailLookup = merge.Lookup.Email(email);
            if (!await db.Contacts.AnyAsync(c => c.WorkspaceId == merge.WorkspaceId && c.Role == ContactRoles.User && c.EmailLookup == emailLookup && c.Id != user.Id, cancellationToken))
            {
                merge.User.SetEmail(user, email);
                user.EmailLookup = emailLookup;
            }
        }

        user.LastSeenAt = Latest(user.LastSeenAt, lead.LastSeenAt);
        user.UpdatedAt = merge.Now;
    }

    private static DateTimeOffset? Latest(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;
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

    /// <summary>The parts of the lead's conversations, re-sealed under the user's key (before the conversations move); the lead's own parts are the user's.</summary>
    public async Task MergeAsync(ConfideDbContext db, ContactMerge merge, CancellationToken cancellationToken)
    {
        var conversations = db.Conversations.IgnoreQueryFilters().Where(c => c.WorkspaceId == merge.WorkspaceId && c.ContactId == merge.LeadId).Select(c => c.Id);
        foreach (var part in await db.ConversationParts.AsTracking().Where(p => conversations.Contains(p.ConversationId)).ToListAsync(cancellationToken))
        {
            merge.User.SetBody(part, merge.Lead.Body(part));
        }

        await db.ConversationParts.Where(p => p.WorkspaceId == merge.WorkspaceId && p.AuthorId == merge.LeadId && p.AuthorType != "admin")
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.AuthorId, merge.UserId).SetProperty(p => p.AuthorType, ContactRoles.User), cancellationToken);
    }

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

    /// <summary>Nothing to move or re-seal: the links name the conversations, which move to the user.</summary>
    public Task MergeAsync(ConfideDbContext db, ContactMerge merge, CancellationToken cancellationToken) => Task.CompletedTask;

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

    /// <summary>
    /// The lead's conversations become the user's, their titles and custom attributes re-sealed
    /// under the user's key (their search tokens, keyed by the workspace, move as they are).
    /// </summary>
    public async Task MergeAsync(ConfideDbContext db, ContactMerge merge, CancellationToken cancellationToken)
    {
        foreach (var conversation in await Of(db, merge.WorkspaceId, merge.LeadId).AsTracking().ToListAsync(cancellationToken))
        {
            merge.User.SetTitle(conversation, merge.Lead.Title(conversation));
            if (conversation.EncryptedCustomAttributes is not null)
            {
                merge.User.SetCustomAttributes(conversation, merge.Lead.CustomAttributes(conversation));
            }
        }

        await Of(db, merge.WorkspaceId, merge.LeadId).ExecuteUpdateAsync(s => s.SetProperty(c => c.ContactId, merge.UserId), cancellationToken);
    }

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

    /// <summary>Notes about the lead are about the user now, re-sealed under the user's key.</summary>
    public async Task MergeAsync(ConfideDbContext db, ContactMerge merge, CancellationToken cancellationToken)
    {
        var notes = db.Notes.Where(n => n.WorkspaceId == merge.WorkspaceId && n.ContactId == merge.LeadId);
        foreach (var note in await notes.AsTracking().ToListAsync(cancellationToken))
        {
            db.Entry(note).Property(n => n.EncryptedBody).CurrentValue = merge.User.SealNoteBody(note.Id, merge.Lead.Body(note));
        }

        await notes.ExecuteUpdateAsync(s => s.SetProperty(n => n.ContactId, merge.UserId), cancellationToken);
    }
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

    /// <summary>The lead's tags are applied to the user (a tag both have stays once, as the user's); nothing is sealed.</summary>
    public async Task MergeAsync(ConfideDbContext db, ContactMerge merge, CancellationToken cancellationToken)
    {
        var theirs = await db.ContactTags.Where(t => t.WorkspaceId == merge.WorkspaceId && t.ContactId == merge.UserId).Select(t => t.TagId).ToListAsync(cancellationToken);
        foreach (var link in await db.ContactTags.AsNoTracking().Where(t => t.WorkspaceId == merge.WorkspaceId && t.ContactId == merge.LeadId && !theirs.Contains(t.TagId)).ToListAsync(cancellationToken))
        {
            db.ContactTags.Add(new ContactTag { WorkspaceId = link.WorkspaceId, ContactId = merge.UserId, TagId = link.TagId, CreatedAt = link.CreatedAt, AppliedById = link.AppliedById });
        }

        await db.ContactTags.Where(t => t.WorkspaceId == merge.WorkspaceId && t.ContactId == merge.LeadId).ExecuteDeleteAsync(cancellationToken);
    }
}
