using Confide.Audit;
using Confide.Data;
using Confide.Data.Model;
using Confide.Messaging.Contacts;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Privacy.Erasure;

/// <summary>Where an erasure request's erasure stands, for the privacy centre.</summary>
/// <param name="CanErase">An erasure request in progress whose contact is still here: "Erase now" is offered.</param>
/// <param name="Underway">The contact's erasure has started (its key is destroyed) and its rows are still being deleted: the receipt follows.</param>
/// <param name="ReceiptId">The signed receipt's id, once the erasure is complete.</param>
public sealed record PrivacyRequestErasureStatus(bool CanErase, bool Underway, string? ReceiptId);

/// <summary>A receipt as a file: what <c>GET /confide/privacy_requests/{id}/receipt</c> and the privacy centre download.</summary>
public sealed record ErasureReceiptFile(string ReceiptId, byte[] Json)
{
    public string FileName => $"erasure-receipt-{ReceiptId}.json";
}

/// <summary>
/// Erases the subject of an erasure request that is in progress, on the one erasure path
/// (<see cref="ContactErasure"/>): that path completes the request and stores its receipt when the
/// contact's rows are gone, which may be a little after this returns. Also reads where an
/// erasure stands and its receipt.
/// </summary>
public sealed class PrivacyRequestErasure
{
    private readonly ContactErasure _erasure;

    internal PrivacyRequestErasure(ContactErasure erasure) => _erasure = erasure;

    public async Task EraseAsync(CellDatabase cell, string workspaceId, string requestId, ActivityActor actor, CancellationToken ct)
    {
        var request = await FindAsync(cell, workspaceId, requestId, ct);
        if (request.Kind != PrivacyRequestKinds.Erasure)
        {
            throw new ConfideException(ConfideError.Conflict($"Only an erasure request can be erased; this one is '{request.Kind}'"));
        }

        if (request.State != PrivacyRequestStates.InProgress)
        {
            throw new ConfideException(ConfideError.Conflict($"A privacy request in state '{request.State}' cannot be erased: start it first (verify, then start)"));
        }

        var status = await StatusAsync(cell, request, ct);
        if (!status.CanErase)
        {
            throw new ConfideException(ConfideError.Conflict(status.Underway
                ? "This subject's erasure is already under way; its receipt follows when it completes"
                : "This privacy request's subject has no data here to erase"));
        }

        try
        {
            await _erasure.EraseAsync(cell, workspaceId, request.ContactId!, actor, ct);
        }
        catch (ConfideException gone) when (gone.Error.Status == System.Net.HttpStatusCode.NotFound)
        {
            // Erased meanwhile by another request or the sweep: that erasure completes this request.
            throw new ConfideException(ConfideError.Conflict("This subject was erased meanwhile; its receipt follows when the erasure completes"));
        }
    }

    public static async Task<PrivacyRequestErasureStatus> StatusAsync(CellDatabase cell, string workspaceId, string requestId, CancellationToken ct) =>
        await StatusAsync(cell, await FindAsync(cell, workspaceId, requestId, ct), ct);

    /// <summary>The signed receipt of an erasure request as its JSON file; null while there is none.</summary>
    public static async Task<ErasureReceiptFile?> ReceiptAsync(CellDatabase cell, string workspaceId, string requestId, CancellationToken ct)
    {
        if (!PublicIds.IsEntityId(requestId))
        {
            return null;
        }

        await using var db = cell.CreateReadContext();
        var receipt = await db.ErasureReceipts.AsNoTracking().FirstOrDefaultAsync(r => r.WorkspaceId == workspaceId && r.PrivacyRequestId == requestId, ct);
        return receipt is null ? null : new ErasureReceiptFile(receipt.Id, ErasureReceiptDocument.From(receipt).ToJson());
    }

    private static async Task<PrivacyRequestErasureStatus> StatusAsync(CellDatabase cell, PrivacyRequest request, CancellationToken ct)
    {
        await using var db = cell.CreateReadContext();
        var receiptId = await db.ErasureReceipts.Where(r => r.WorkspaceId == request.WorkspaceId && r.PrivacyRequestId == request.Id).Select(r => r.Id).FirstOrDefaultAsync(ct);
        if (request.Kind != PrivacyRequestKinds.Erasure || request.ContactId is not { } contactId)
        {
            return new PrivacyRequestErasureStatus(false, false, receiptId);
        }

        var underway = await db.PendingContactErasures.AnyAsync(p => p.WorkspaceId == request.WorkspaceId && p.ContactId == contactId, ct);
        var present = await db.Contacts.InWorkspace(request.WorkspaceId).AnyAsync(c => c.Id == contactId, ct);
        return new PrivacyRequestErasureStatus(
            present && !underway && receiptId is null && request.State == PrivacyRequestStates.InProgress,
            underway && receiptId is null,
            receiptId);
    }

    private static async Task<PrivacyRequest> FindAsync(CellDatabase cell, string workspaceId, string requestId, CancellationToken ct)
    {
        if (!PublicIds.IsEntityId(requestId))
        {
            throw new ConfideException(ConfideError.NotFound("Privacy request"));
        }

        await using var db = cell.CreateReadContext();
        return await db.PrivacyRequests.AsNoTracking().FirstOrDefaultAsync(r => r.WorkspaceId == workspaceId && r.Id == requestId, ct)
            ?? throw new ConfideException(ConfideError.NotFound("Privacy request"));
    }
}
