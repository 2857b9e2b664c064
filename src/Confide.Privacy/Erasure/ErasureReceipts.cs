using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Messaging.Contacts;
using Confide.Platform;
using Confide.Privacy.Requests;
using Microsoft.EntityFrameworkCore;

namespace Confide.Privacy.Erasure;

/// <summary>
/// Completes an erasure on the privacy side, inside the transaction that deleted the contact's
/// rows (from a request or from the sweep after a crash alike): the subject's open erasure request
/// is completed — or, for an erasure asked directly (<c>DELETE /contacts/{id}</c>), one is recorded
/// completed — and the signed receipt is stored.
/// </summary>
internal sealed class ErasureReceipts(RegionSigningKeys signingKeys, ActivityLog log, TimeProvider time) : IContactErasureCompletion
{
    public Task PrepareAsync(CellDatabase cell, CancellationToken cancellationToken) =>
        signingKeys.SignerAsync(cell, SigningKeyPurposes.ActivityLog, cancellationToken);

    public async Task CompleteAsync(ConfideDbContext db, CellDatabase cell, ErasedContact erased, CancellationToken cancellationToken)
    {
        // Rows of a subject erased before (brought back by a restored backup) are erased again; the first receipt stands.
        if (await db.ErasureReceipts.AnyAsync(r => r.WorkspaceId == erased.WorkspaceId && r.SubjectReference == erased.SubjectReference, cancellationToken))
        {
            return;
        }

        // Cached by PrepareAsync: no I/O here.
        var signer = await signingKeys.SignerAsync(cell, SigningKeyPurposes.ActivityLog, cancellationToken);
        var request = await CompleteRequestAsync(db, cell, erased, cancellationToken);
        var document = new ErasureReceiptDocument(
            PublicIds.NewEntityId(time), cell.Region.Code, erased.WorkspaceId, request.Id, erased.SubjectReference, erased.Categories,
            [.. erased.DestroyedKeyIds.Order(StringComparer.Ordinal)],
            erased.RequestedAt.ToUnixTimeSeconds(), erased.KeyDestroyedAt.ToUnixTimeSeconds(), erased.CompletedAt.ToUnixTimeSeconds(),
            erased.LogEntry, signer.KeyId, []);
        var signed = document with { Signature = signer.Sign(document.SignedBytes()) };
        db.ErasureReceipts.Add(new ErasureReceipt
        {
            Id = signed.ReceiptId, WorkspaceId = signed.WorkspaceId, PrivacyRequestId = signed.PrivacyRequestId, Region = signed.Region,
            SubjectReference = signed.SubjectReference, Categories = ErasureReceiptDocument.CategoriesJson(signed.Categories),
            DestroyedKeyIds = string.Join(',', signed.DestroyedKeyIds),
            RequestedAt = DateTimeOffset.FromUnixTimeSeconds(signed.RequestedAt), KeyDestroyedAt = DateTimeOffset.FromUnixTimeSeconds(signed.KeyDestroyedAt),
            CompletedAt = DateTimeOffset.FromUnixTimeSeconds(signed.CompletedAt), ActivityLogLeafIndex = signed.ActivityLogLeafIndex,
            SigningKeyId = signed.KeyId, Signature = signed.Signature,
        });
    }

    /// <summary>The subject's oldest open erasure request, completed (with its state-change entry); or a new one, recorded completed.</summary>
    private async Task<PrivacyRequest> CompleteRequestAsync(ConfideDbContext db, CellDatabase cell, ErasedContact erased, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var request = await db.PrivacyRequests
            .Where(r => r.WorkspaceId == erased.WorkspaceId && r.ContactId == erased.ContactId && r.Kind == PrivacyRequestKinds.Erasure && PrivacyRequestStates.Open.Contains(r.State))
            .OrderBy(r => r.ReceivedAt).ThenBy(r => r.Id)
            .FirstOrDefaultAsync(ct);
        if (request is null)
        {
            // Asked directly (DELETE /contacts/{id}, user_delete_requests, the sweep after either): the
            // request is recorded already completed. Its log entry is the contact_deletion entry the
            // receipt names; a creation and a state change of their own would only repeat it.
            var due = LegalDeadline.Due(erased.RequestedAt);
            request = new PrivacyRequest
            {
                Id = PublicIds.NewEntityId(time), WorkspaceId = erased.WorkspaceId, Kind = PrivacyRequestKinds.Erasure, State = PrivacyRequestStates.Completed,
                ReceivedVia = PrivacyRequestChannels.Api, ContactId = erased.ContactId, SubjectIdentifierType = PrivacyRequestFields.ContactId,
                ReceivedAt = erased.RequestedAt, DueAt = due, DeadlineAt = due, CreatedById = CreatedBy(erased.Actor), CreatedAt = now, UpdatedAt = now, ClosedAt = now,
            };
            db.PrivacyRequests.Add(request);
            return request;
        }

        var from = request.State;
        request.State = PrivacyRequestStates.Completed;
        request.UpdatedAt = now;
        request.ClosedAt = now;
        // As when a teammate completes an erasure request: only the keyed hash of what the subject gave stays.
        request.EncryptedSubjectEmail = null;
        request.EncryptedSubjectExternalId = null;
        request.EncryptedSubjectPhone = null;
        await log.AppendAsync(db, cell, erased.WorkspaceId, new ActivityEvent(
            ActivityTypes.PrivacyRequestStateChange, erased.Actor, $"A privacy request (erasure) went from {from} to {PrivacyRequestStates.Completed}.", Target(request.Id),
            new JsonObject
            {
                ["kind"] = request.Kind, ["before"] = from, ["after"] = PrivacyRequestStates.Completed, ["reason_given"] = false,
                ["overdue"] = request.DeadlineAt < now, ["erasure_log_entry"] = erased.LogEntry,
            }), ct);
        return request;
    }

    /// <summary>The teammate who asked; Confide itself (or the command line) otherwise, by its fixed name.</summary>
    private static string CreatedBy(ActivityActor actor) => actor.Id.Length <= 24 ? actor.Id : actor.Type;

    private static ActivityTarget Target(string requestId) => new("privacy_request", requestId);
}
