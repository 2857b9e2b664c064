using Confide.Audit;
using Confide.Data;
using Confide.Messaging.Contacts;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Privacy.Erasure;

/// <summary>
/// Intercom's <c>POST /user_delete_requests</c> on Confide's one erasure path: the contact is
/// erased at once (key destroyed, contact gone from every query; the purge deletes the rows) and
/// the answer is the id of the erasure request that the receipt will belong to. A subject erased
/// before, or being erased, is answered with that first request.
/// </summary>
internal sealed class UserDeleteRequests(ContactErasure erasure, ILookupIndex lookup)
{
    public async Task<string> EraseAsync(CellDatabase cell, string workspaceId, string? contactId, ActivityActor actor, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(contactId))
        {
            throw new ConfideException(ConfideError.ParameterMissing("intercom_user_id"));
        }

        contactId = contactId.Trim();
        if (await FirstRequestAsync(cell, workspaceId, contactId, ct) is { } first)
        {
            return first;
        }

        if (!PublicIds.IsEntityId(contactId))
        {
            throw new ConfideException(ConfideError.NotFound("User"));
        }

        try
        {
            await erasure.EraseAsync(cell, workspaceId, contactId, actor, ct);
        }
        catch (ConfideException)
        {
            // Erased meanwhile by another request: its request answers this one too.
            if (await FirstRequestAsync(cell, workspaceId, contactId, ct) is { } meanwhile)
            {
                return meanwhile;
            }

            throw;
        }

        return await FirstRequestAsync(cell, workspaceId, contactId, ct)
            ?? throw new ConfideException(ConfideError.NotFound("User"));
    }

    /// <summary>
    /// The erasure request of this contact: the one its receipt names (found by the keyed hash the
    /// receipt holds), or while the purge runs, the open one it will complete.
    /// </summary>
    public async Task<string?> FirstRequestAsync(CellDatabase cell, string workspaceId, string contactId, CancellationToken ct)
    {
        var reference = (await lookup.ForWorkspaceAsync(cell, workspaceId, ct)).ContactId(contactId);
        await using var db = cell.CreateReadContext();
        var receipted = await db.ErasureReceipts.Where(r => r.WorkspaceId == workspaceId && r.SubjectReference == reference)
            .Select(r => r.PrivacyRequestId).FirstOrDefaultAsync(ct);
        if (receipted is not null || !await db.PendingContactErasures.AnyAsync(p => p.WorkspaceId == workspaceId && p.ContactId == contactId, ct))
        {
            return receipted;
        }

        return await ErasureReceipts.OpenRequests(db, workspaceId, contactId)
            .OrderBy(r => r.ReceivedAt).ThenBy(r => r.Id).Select(r => r.Id).FirstOrDefaultAsync(ct);
    }
}
