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
/// An erasure on the privacy side. When it is acknowledged, the subject has an open erasure
/// request: theirs, or — for an erasure asked directly (<c>DELETE /contacts/{id}</c>,
/// <c>user_delete_requests</c>, a bulk erase) — one recorded <c>in_progress</c>, whose id the
/// caller can be given at once. In the purge's last transaction that request is completed and
/// the signed receipt stored.
/// </summary>
internal sealed class ErasureReceipts(RegionSigningKeys signingKeys, ActivityLog log, TimeProvider time) : IContactErasureCompletion
{
    public async Task StartAsync(ConfideDbContext db, CellDatabase cell, string workspaceId, string contactId, ActivityActor actor, CancellationToken cancellationToken)
    {
        if (await OpenRequests(db, workspaceId, contactId).AnyAsync(cancellationToken))
        {
            return;
        }

        // The erasure's contact_deletion entry stands for it: entries of its own would only repeat it.
        var now = time.GetUtcNow();
        var due = LegalDeadline.Due(now);
        db.PrivacyRequests.Add(new PrivacyRequest
        {
            Id = PublicIds.NewEntityId(time), WorkspaceId = workspaceId, Kind = PrivacyRequestKinds.Erasure, State = PrivacyRequestStates.InProgress,
            ReceivedVia = PrivacyRequestChannels.Api, ContactId = contactId, SubjectIdentifierType = PrivacyRequestFields.ContactId,
            ReceivedAt = now, DueAt = due, DeadlineAt = due, CreatedById = CreatedBy(actor), CreatedAt = now, UpdatedAt = now, OpenedByErasure = true,
        });
    }

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
        var request = await OpenRequests(db, erased.WorkspaceId, erased.ContactId)
            .OrderBy(r => r.ReceivedAt).ThenBy(r => r.Id)
            .FirstOrDefaultAsync(ct);
        if (request is null)
        {
            // Only for an erasure acknowledged before requests were opened at once (an upgrade): the
            // request is recorded already completed. Its log entry is the contact_deletion entry the
            // receipt names; a creation and a state change of their own would only repeat it.
            var due = LegalDeadline.Due(erased.RequestedAt);
            request = new PrivacyRequest
            {
                Id = PublicIds.NewEntityId(time), WorkspaceId = erased.WorkspaceId, Kind = PrivacyRequestKinds.Erasure, State = PrivacyRequestStates.Completed,
                ReceivedVia = PrivacyRequestChannels.Api, ContactId = erased.ContactId, SubjectIdentifierType = PrivacyRequestFields.ContactId,
                ReceivedAt = erased.RequestedAt, DueAt = due, DeadlineAt = due, CreatedById = CreatedBy(erased.Actor), CreatedAt = now, UpdatedAt = now, ClosedAt = now,
                OpenedByErasure = true,
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
        if (request.OpenedByErasure)
        {
            return request;
        }

        await log.AppendAsync(db, cell, erased.WorkspaceId, new ActivityEvent(
            ActivityTypes.PrivacyRequestStateChange, erased.Actor, $"A privacy request (erasure) went from {from} to {PrivacyRequestStates.Completed}.", Target(request.Id),
            new JsonObject
            {
                ["kind"] = request.Kind, ["before"] = from, ["after"] = PrivacyRequestStates.Completed, ["reason_given"] = false,
                ["overdue"] = request.DeadlineAt < now, ["erasure_log_entry"] = erased.LogEntry,
            }), ct);
        return request;
    }

    /// <summary>The subject's open erasure requests; the oldest is the one an erasure answers.</summary>
    public static IQueryable<PrivacyRequest> OpenRequests(ConfideDbContext db, string workspaceId, string contactId) =>
        db.PrivacyRequests.Where(r => r.WorkspaceId == workspaceId && r.ContactId == contactId && r.Kind == PrivacyRequestKinds.Erasure && PrivacyRequestStates.Open.Contains(r.State));

    /// <summary>The teammate who asked; Confide itself (or the command line) otherwise, by its fixed name.</summary>
    private static string CreatedBy(ActivityActor actor) => actor.Id.Length <= 24 ? actor.Id : actor.Type;

    private static ActivityTarget Target(string requestId) => new("privacy_request", requestId);
}
