using Confide.Audit;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Jobs;
using Confide.Data.Model;
using Confide.Messaging.Contacts.Erasure;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Contacts;

/// <summary>
/// Erases a contact (crypto-shredding), the one path every erasure takes (ADR 0006,
/// docs/privacy-operations.md). The acknowledgement is two small steps, whatever the subject's
/// size: one transaction records the pending erasure with its activity-log entry, hides the
/// contact and its conversations from every query, drops its lookup keys, opens the erasure
/// request and enqueues the purge job; then the contact's key is destroyed. The purge
/// (<see cref="ContactErasureJob"/>) deletes the rows in batches and finishes with
/// <see cref="PrepareFinishAsync"/>'s transaction, which deletes the contact row and stores the receipt.
/// </summary>
internal sealed class ContactErasure(ContactKeyRing keys, JobQueue jobs, ActivityLog log, TimeProvider time, IEnumerable<IContactErasureCompletion> completions)
{
    /// <summary>Erases the contact; returns its external id as it was (null when unreadable already).</summary>
    public async Task<string?> EraseAsync(CellDatabase cell, string workspaceId, string contactId, ActivityActor actor, CancellationToken cancellationToken)
    {
        var externalId = await ExternalIdAsync(cell, workspaceId, contactId, cancellationToken);
        await RecordPendingAsync(cell, workspaceId, contactId, actor, cancellationToken);
        await AcknowledgeAsync(cell, workspaceId, contactId, cancellationToken);
        return externalId;
    }

    /// <summary>
    /// Step 2, once step 1 committed: the key is destroyed, what must not wait for the purge is done
    /// (<see cref="IContactErasureCompletion.AcknowledgedAsync"/>) and the purge is woken. Safe to
    /// repeat; the purge's first step destroys the key too, should the process die before this.
    /// </summary>
    internal async Task AcknowledgeAsync(CellDatabase cell, string workspaceId, string contactId, CancellationToken cancellationToken)
    {
        await keys.ShredAsync(cell.Region, workspaceId, contactId, cancellationToken);
        foreach (var completion in completions)
        {
            await completion.AcknowledgedAsync(cell, workspaceId, contactId, cancellationToken);
        }

        jobs.Wake(cell);
    }

    /// <summary>The contact's key versions as the receipt names them, read before the key goes (after a crash the key store no longer knows them).</summary>
    internal async Task<string> KeyIdsAsync(CellDatabase cell, string workspaceId, string contactId, CancellationToken cancellationToken) =>
        string.Join(',', (await (await keys.StoreAsync(cell.Region)).GetAsync(workspaceId, contactId, cancellationToken))
            .Select(k => k.KeyId.ToString()).Order(StringComparer.Ordinal));

    /// <summary>
    /// Step 1: the durable note that this contact is being erased and by whom, its activity-log
    /// entry, the contact hidden and the purge enqueued, in one transaction. 404 for an unknown
    /// contact or one already being erased; 409 <c>legal_hold</c> for a contact a legal hold
    /// protects (on itself, one of its conversations or the workspace).
    /// </summary>
    internal async Task RecordPendingAsync(CellDatabase cell, string workspaceId, string contactId, ActivityActor actor, CancellationToken cancellationToken)
    {
        var keyIds = await KeyIdsAsync(cell, workspaceId, contactId, cancellationToken);
        await cell.Writer.WriteAsync((db, ct) => RecordPendingAsync(db, cell, workspaceId, contactId, actor, keyIds, ct), cancellationToken);
    }

    /// <summary>
    /// Step 1 inside a caller's transaction (a lead merged into a user ends with it, in the merge's
    /// transaction); <paramref name="keyIds"/> from <see cref="KeyIdsAsync"/>, <paramref name="description"/>
    /// the entry's text when the erasure is part of something else. The caller runs <see cref="AcknowledgeAsync"/> once it committed.
    /// </summary>
    internal async Task RecordPendingAsync(ConfideDbContext db, CellDatabase cell, string workspaceId, string contactId, ActivityActor actor, string keyIds, CancellationToken ct, string? description = null)
    {
        var contact = await db.Contacts.InWorkspace(workspaceId).FirstOrDefaultAsync(c => c.Id == contactId, ct)
            ?? throw new ConfideException(ConfideError.NotFound("User"));
        var now = time.GetUtcNow();
        // Inside the writer: a hold set by a transaction that commits first is seen here (docs/legal-holds.md).
        if (await db.IsContactHeldAsync(workspaceId, contactId, now, ct))
        {
            throw new ConfideException(ConfideError.LegalHold("This contact"));
        }

        // The teammate's act, logged as it happens (with their address, sealed in the entry); the
        // receipt names this entry. A visible contact is not being erased: this is its only entry.
        var entry = await log.AppendAsync(db, cell, workspaceId, new ActivityEvent(
            ActivityTypes.ContactDeletion, actor, description ?? "A contact was erased: its key was destroyed, and its records are deleted by a durable purge.",
            new ActivityTarget("contact", contactId)), ct);
        if (await db.PendingContactErasures.FirstOrDefaultAsync(p => p.ContactId == contactId, ct) is { } earlier)
        {
            earlier.LogEntry ??= entry.Sequence; // left by an erasure interrupted before this version hid contacts
        }
        else
        {
            db.PendingContactErasures.Add(new PendingContactErasure
            {
                ContactId = contactId, WorkspaceId = workspaceId, RequestedAt = now,
                ActorType = actor.Type, ActorId = actor.Id, ActorVia = actor.Via, ActorTokenId = actor.TokenId, ContactKeyIds = keyIds,
                LogEntry = entry.Sequence,
            });
        }

        // Gone for every reader from this commit on; its email or user id can be used by a new contact at once.
        contact.ErasureStartedAt = now;
        contact.EmailLookup = contact.ExternalIdLookup = contact.PhoneLookup = contact.VisitorLookup = null;
        await db.Conversations.Where(c => c.WorkspaceId == workspaceId && c.ContactId == contactId)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.ErasureStartedAt, now), ct);
        await jobs.EnqueueAsync(db, ContactErasureJob.Request(workspaceId, contactId), ct);
        foreach (var completion in completions)
        {
            await completion.StartAsync(db, cell, workspaceId, contactId, actor, ct);
        }
    }

    /// <summary>
    /// Before the purge's last step: whatever the completions need from outside the database (the
    /// signing key). Returns the last step's write: it deletes the contact row with its pending
    /// note and completes the erasure (receipt), and does nothing when the row is gone already (a repeat).
    /// </summary>
    internal async Task<Func<ConfideDbContext, ErasureFacts, CancellationToken, Task>> PrepareFinishAsync(CellDatabase cell, CancellationToken cancellationToken)
    {
        foreach (var completion in completions)
        {
            await completion.PrepareAsync(cell, cancellationToken);
        }

        return async (db, facts, ct) =>
        {
            var (workspaceId, contactId) = (facts.WorkspaceId, facts.ContactId);
            var pending = await db.PendingContactErasures.AsNoTracking().FirstOrDefaultAsync(p => p.ContactId == contactId && p.WorkspaceId == workspaceId, ct);
            // Anything the handlers left (none, unless written meanwhile) goes with the contact: cascades in the model.
            var deleted = await db.Contacts.IgnoreQueryFilters().Where(c => c.WorkspaceId == workspaceId && c.Id == contactId).ExecuteDeleteAsync(ct);
            if (deleted == 0)
            {
                return; // erased already, by a repeat of this step
            }

            // The teammate who asked may have been removed since: then Confide itself stands for them.
            var actor = pending is null || (pending.ActorType == ActivityActor.AdminType && !await db.Teammates.AnyAsync(t => t.WorkspaceId == workspaceId && t.Id == pending.ActorId, ct))
                ? ActivityActor.Confide
                : new ActivityActor(pending.ActorType, pending.ActorId, pending.ActorVia, TokenId: pending.ActorTokenId);
            // Only a record from before erasures were logged when acknowledged has no entry yet.
            var logEntry = pending?.LogEntry ?? (await log.AppendAsync(db, cell, workspaceId, new ActivityEvent(
                ActivityTypes.ContactDeletion, actor, "A contact was erased: its key was destroyed and its records deleted.",
                new ActivityTarget("contact", contactId)), ct)).Sequence;
            var erased = new ErasedContact(
                workspaceId, contactId, facts.SubjectReference, facts.Counts,
                pending?.ContactKeyIds is { Length: > 0 } ids ? ids.Split(',') : [],
                pending?.RequestedAt ?? facts.KeyDestroyedAt, facts.KeyDestroyedAt, time.GetUtcNow(), logEntry, actor);
            foreach (var completion in completions)
            {
                await completion.CompleteAsync(db, cell, erased, ct);
            }
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
