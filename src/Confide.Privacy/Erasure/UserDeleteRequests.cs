using Confide.Audit;
using Confide.Data;
using Confide.Messaging.Contacts;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Privacy.Erasure;

/// <summary>
/// Intercom's <c>POST /user_delete_requests</c> on Confide's one erasure path: the contact is
/// erased at once (key destroyed, rows deleted) and the answer is the id of the erasure request
/// that the receipt belongs to. A subject erased before is answered with the first request.
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
            // Erased meanwhile by another request or the sweep: its receipt answers this one too.
            if (await FirstRequestAsync(cell, workspaceId, contactId, ct) is { } meanwhile)
            {
                return meanwhile;
            }

            throw;
        }

        return await FirstRequestAsync(cell, workspaceId, contactId, ct)
            ?? throw new ConfideException(ConfideError.NotFound("User"));
    }

    /// <summary>The erasure request whose receipt names this contact, found by the keyed hash the receipt holds.</summary>
    public async Task<string?> FirstRequestAsync(CellDatabase cell, string workspaceId, string contactId, CancellationToken ct)
    {
        var reference = (await lookup.ForWorkspaceAsync(cell, workspaceId, ct)).ContactId(contactId);
        await using var db = cell.CreateReadContext();
        return await db.ErasureReceipts.Where(r => r.WorkspaceId == workspaceId && r.SubjectReference == reference)
            .Select(r => r.PrivacyRequestId).FirstOrDefaultAsync(ct);
    }
}
