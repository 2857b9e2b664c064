using Confide.Audit;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Contacts;

/// <summary>
/// Erases a contact (crypto-shredding) in three durable steps: a pending-erasure record is
/// committed, the contact's key is destroyed, then the rows are deleted together with the
/// record and the activity-log entry in one transaction. A crash after the first step leaves
/// the record; <see cref="ContactErasureSweep"/> repeats the last two steps, which are safe to
/// repeat: only the transaction that actually deletes the rows writes the entry.
/// </summary>
internal sealed class ContactErasure(ContactKeyRing keys, ILookupIndex lookup, ActivityLog log, TimeProvider time, IEnumerable<IContactErasureCompletion> completions)
{
    /// <summary>Erases the contact; returns its external id as it was (null when unreadable already).</summary>
    public async Task<string?> EraseAsync(CellDatabase cell, string workspaceId, string contactId, ActivityActor actor, CancellationToken cancellationToken)
    {
        var externalId = await ExternalIdAsync(cell, workspaceId, contactId, cancellationToken);
        await RecordPendingAsync(cell, workspaceId, contactId, actor, cancellationToken);
        await ShredAndPurgeAsync(cell, workspaceId, contactId, cancellationToken, actor);
        return externalId;
    }

    /// <summary>Step 1: the durable note that this contact is being erased, and by whom. 404 for an unknown contact.</summary>
    internal async Task RecordPendingAsync(CellDatabase cell, string workspaceId, string contactId, ActivityActor actor, CancellationToken cancellationToken)
    {
        // Read before the key goes, for the receipt; after a crash the key store no longer knows them.
        var keyIds = string.Join(',', (await (await keys.StoreAsync(cell.Region)).GetAsync(workspaceId, contactId, cancellationToken))
            .Select(k => k.KeyId.ToString()).Order(StringComparer.Ordinal));
        await cell.Writer.WriteAsync(async (db, ct) =>
        {
            if (!await db.Contacts.InWorkspace(workspaceId).AnyAsync(c => c.Id == contactId, ct))
            {
                throw new ConfideException(ConfideError.NotFound("User"));
            }

            if (!await db.PendingContactErasures.AnyAsync(p => p.ContactId == contactId, ct))
            {
                db.PendingContactErasures.Add(new PendingContactErasure
                {
                    ContactId = contactId, WorkspaceId = workspaceId, RequestedAt = time.GetUtcNow(),
                    ActorType = actor.Type, ActorId = actor.Id, ActorVia = actor.Via, ActorTokenId = actor.TokenId, ContactKeyIds = keyIds,
                });
            }
        }, cancellationToken);
    }

    /// <summary>
    /// Steps 2 and 3, repeatable: destroys the key (a no-op once destroyed), then deletes the rows
    /// and the pending record and logs the erasure, all in one transaction. Returns whether this
    /// call deleted the rows (and so wrote the one activity-log entry). The entry names
    /// <paramref name="requester"/> when the request itself finishes, else whom the record names.
    /// </summary>
    internal async Task<bool> ShredAndPurgeAsync(CellDatabase cell, string workspaceId, string contactId, CancellationToken cancellationToken, ActivityActor? requester = null)
    {
        await keys.ShredAsync(cell.Region, workspaceId, contactId, cancellationToken);
        var keyDestroyedAt = time.GetUtcNow();
        var subjectReference = (await lookup.ForWorkspaceAsync(cell, workspaceId, cancellationToken)).ContactId(contactId);
        foreach (var completion in completions)
        {
            await completion.PrepareAsync(cell, cancellationToken);
        }

        return await cell.Writer.WriteAsync(async (db, ct) =>
        {
            var pending = await db.PendingContactErasures.AsNoTracking().FirstOrDefaultAsync(p => p.ContactId == contactId && p.WorkspaceId == workspaceId, ct);
            var categories = await CountAsync(db, workspaceId, contactId, ct);
            // Conversations, parts, notes, tag links and the pending record go with the contact (cascades in the model).
            var deleted = await db.Contacts.InWorkspace(workspaceId).Where(c => c.Id == contactId).ExecuteDeleteAsync(ct);
            if (deleted == 0)
            {
                return false; // erased already, by a retry or another process
            }

            // The teammate who asked may have been removed since: then Confide itself finishes it.
            var actor = requester
                ?? (pending is null || (pending.ActorType == ActivityActor.AdminType && !await db.Teammates.AnyAsync(t => t.WorkspaceId == workspaceId && t.Id == pending.ActorId, ct))
                    ? ActivityActor.Confide
                    : new ActivityActor(pending.ActorType, pending.ActorId, pending.ActorVia, TokenId: pending.ActorTokenId));
            var entry = await log.AppendAsync(db, cell, workspaceId, new ActivityEvent(
                ActivityTypes.ContactDeletion, actor, "A contact was erased: its key was destroyed and its records deleted.",
                new ActivityTarget("contact", contactId)), ct);
            var erased = new ErasedContact(
                workspaceId, contactId, subjectReference, categories,
                pending?.ContactKeyIds is { Length: > 0 } ids ? ids.Split(',') : [],
                pending?.RequestedAt ?? keyDestroyedAt, keyDestroyedAt, time.GetUtcNow(), entry.Sequence, actor);
            foreach (var completion in completions)
            {
                await completion.CompleteAsync(db, cell, erased, ct);
            }

            return true;
        }, cancellationToken);
    }

    /// <summary>What the delete is about to remove, per category, for the receipt (inside the erasing transaction).</summary>
    private static async Task<IReadOnlyDictionary<string, long>> CountAsync(ConfideDbContext db, string workspaceId, string contactId, CancellationToken ct)
    {
        var contact = db.Contacts.InWorkspace(workspaceId).Where(c => c.Id == contactId);
        var conversations = db.Conversations.Where(c => c.WorkspaceId == workspaceId && c.ContactId == contactId);
        return new Dictionary<string, long>(StringComparer.Ordinal)
        {
            [ErasedCategories.ContactProfile] = await contact.LongCountAsync(ct),
            [ErasedCategories.CustomAttributes] = await contact.LongCountAsync(c => c.EncryptedCustomAttributes != null, ct),
            [ErasedCategories.Tags] = await db.ContactTags.LongCountAsync(t => t.WorkspaceId == workspaceId && t.ContactId == contactId, ct),
            [ErasedCategories.Notes] = await db.Notes.LongCountAsync(n => n.WorkspaceId == workspaceId && n.ContactId == contactId, ct),
            [ErasedCategories.Conversations] = await conversations.LongCountAsync(ct),
            [ErasedCategories.ConversationParts] = await db.ConversationParts.LongCountAsync(p => conversations.Any(c => c.Id == p.ConversationId), ct),
        };
    }

    private async Task<string?> ExternalIdAsync(CellDatabase cell, string workspaceId, string contactId, CancellationToken cancellationToken)
    {
        await using var db = cell.CreateReadContext();
        var contact = await db.Contacts.InWorkspace(workspaceId).FirstOrDefaultAsync(c => c.Id == contactId, cancellationToken)
            ?? throw new ConfideException(ConfideError.NotFound("User"));
        try
        {
            return (await keys.ForContactAsync(cell, workspaceId, contactId, cancellationToken)).ExternalId(contact);
        }
        catch (ContactErasedException)
        {
            return null; // shredded earlier, rows left behind (a restored backup): erase them now
        }
    }
}
