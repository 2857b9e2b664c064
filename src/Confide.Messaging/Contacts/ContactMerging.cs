using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Messaging.Contacts.Erasure;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Contacts;

/// <summary>
/// Intercom's lead-into-user merge (<c>POST /contacts/merge</c>, docs/contacts-merge.md). In one
/// transaction every <see cref="ISubjectDataHandler"/> moves its share of the lead to the user,
/// re-sealed under the user's key, the merge is logged (ids only) and the lead's erasure is
/// recorded exactly as <see cref="ContactErasure"/> records any erasure (hidden, lookups cleared,
/// purge enqueued); once that committed the lead's key is destroyed. Interrupted before the commit,
/// nothing happened; after it, the durable purge finishes the lead's erasure (destroying the key
/// again if the process died first). A legal hold on either contact refuses the merge.
/// </summary>
internal sealed class ContactMerging(ContactKeyRing keys, ILookupIndex lookup, ContactErasure erasure, IEnumerable<ISubjectDataHandler> handlers, ActivityLog log, TimeProvider time)
{
    private readonly IReadOnlyList<ISubjectDataHandler> _handlers = [.. handlers];

    public async Task<Contact> MergeAsync(CellDatabase cell, string workspaceId, string? leadId, string? userId, ActivityActor actor, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(leadId))
        {
            throw new ConfideException(ConfideError.ParameterMissing("from"));
        }

        if (string.IsNullOrEmpty(userId))
        {
            throw new ConfideException(ConfideError.ParameterMissing("into"));
        }

        if (leadId == userId)
        {
            throw new ConfideException(ConfideError.ParameterInvalid("from and into must be different contacts"));
        }

        await using (var db = cell.CreateReadContext())
        {
            await CheckAsync(db, workspaceId, leadId, userId, cancellationToken);
        }

        var leadCipher = await CipherAsync(cell, workspaceId, leadId, cancellationToken);
        var userCipher = await CipherAsync(cell, workspaceId, userId, cancellationToken);
        var lookupKeys = await lookup.ForWorkspaceAsync(cell, workspaceId, cancellationToken);
        var keyIds = await erasure.KeyIdsAsync(cell, workspaceId, leadId, cancellationToken);
        var user = await cell.Writer.WriteAsync(async (db, ct) =>
        {
            // Again inside the writer: a change or a hold committed meanwhile is seen here.
            await CheckAsync(db, workspaceId, leadId, userId, ct);
            var now = time.GetUtcNow();
            if (await db.IsContactHeldAsync(workspaceId, leadId, now, ct))
            {
                throw new ConfideException(LegalHold("The lead (from)"));
            }

            if (await db.IsContactHeldAsync(workspaceId, userId, now, ct))
            {
                throw new ConfideException(LegalHold("The user (into)"));
            }

            var merge = new ContactMerge(workspaceId, leadId, userId, leadCipher, userCipher, lookupKeys, now);
            foreach (var handler in _handlers)
            {
                await handler.MergeAsync(db, merge, ct);
            }

            // The user's name, email and attributes may have taken the lead's: their search tokens follow.
            var merged = await db.Contacts.AsTracking().FirstAsync(c => c.WorkspaceId == workspaceId && c.Id == userId, ct);
            await Search.SearchIndex.ReplaceForContactAsync(db, lookupKeys, userCipher, merged, ct);

            await log.AppendAsync(db, cell, workspaceId, new ActivityEvent(
                ActivityTypes.ContactMerge, actor, "A lead was merged into a user: its records moved to the user, re-encrypted under the user's key, and the lead was erased.",
                new ActivityTarget("contact", userId), new JsonObject { ["from"] = leadId, ["into"] = userId }), ct);
            await erasure.RecordPendingAsync(db, cell, workspaceId, leadId, actor, keyIds, ct,
                "A lead merged into a user was erased: its key was destroyed, and its record is deleted by a durable purge.");
            return await db.Contacts.AsTracking().FirstAsync(c => c.WorkspaceId == workspaceId && c.Id == userId, ct);
        }, cancellationToken);
        await erasure.AcknowledgeAsync(cell, workspaceId, leadId, cancellationToken);
        return user;
    }

    /// <summary>Both contacts exist here (404 otherwise), <c>from</c> is a lead and <c>into</c> a user (400 otherwise), as Intercom answers.</summary>
    private static async Task CheckAsync(ConfideDbContext db, string workspaceId, string leadId, string userId, CancellationToken ct)
    {
        var roles = await db.Contacts.InWorkspace(workspaceId).Where(c => c.Id == leadId || c.Id == userId)
            .Select(c => new { c.Id, c.Role }).ToListAsync(ct);
        var lead = roles.FirstOrDefault(r => r.Id == leadId) ?? throw new ConfideException(ConfideError.NotFound("Contact (from)"));
        var user = roles.FirstOrDefault(r => r.Id == userId) ?? throw new ConfideException(ConfideError.NotFound("Contact (into)"));
        if (lead.Role != ContactRoles.Lead)
        {
            throw new ConfideException(ConfideError.ParameterInvalid("from must be a contact with role 'lead'"));
        }

        if (user.Role != ContactRoles.User)
        {
            throw new ConfideException(ConfideError.ParameterInvalid("into must be a contact with role 'user'"));
        }
    }

    private async Task<ContactCipher> CipherAsync(CellDatabase cell, string workspaceId, string contactId, CancellationToken ct)
    {
        try
        {
            return await keys.ForContactAsync(cell, workspaceId, contactId, ct);
        }
        catch (ContactErasedException)
        {
            throw new ConfideException(ConfideError.NotFound("User"));
        }
    }

    /// <summary>A merge refused by a legal hold: the merge erases the lead and changes the user, so either one's hold stops it.</summary>
    private static ConfideError LegalHold(string what) =>
        new(System.Net.HttpStatusCode.Conflict, ConfideError.LegalHoldCode,
            $"{what} is under a legal hold: contacts cannot be merged until the hold is released or expires");
}
