using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Privacy.Requests;

/// <summary>
/// Records privacy requests and moves them through their states, each change with its
/// activity-log entry in the same transaction. Everything is checked and sealed before the
/// cell's writer; inside it only the state check that must not race, and the write.
/// The entries name the request (and the contact id), never the identifier the subject gave.
/// </summary>
public sealed class PrivacyRequestCommands(PrivacyRequestSubjects subjects, WorkspaceKeyRing keys, ActivityLog log, TimeProvider time)
{
    private const int MaxReasonLength = 2000;

    public async Task<PrivacyRequest> CreateAsync(CellDatabase cell, string workspaceId, string teammateId, ActivityActor actor, PrivacyRequestInput input, CancellationToken cancellationToken)
    {
        var kind = OneOf(input.Kind, "kind", PrivacyRequestKinds.All);
        var via = OneOf(input.ReceivedVia, "received_via", PrivacyRequestChannels.All);
        var now = time.GetUtcNow();
        var receivedAt = ReceivedAt(input.ReceivedAt, now);
        var subject = await subjects.FindAsync(cell, workspaceId, input, cancellationToken);
        var workforce = await keys.WorkforceAsync(cell, workspaceId, cancellationToken);
        var due = LegalDeadline.Due(receivedAt);
        var request = new PrivacyRequest
        {
            Id = PublicIds.NewEntityId(time), WorkspaceId = workspaceId, Kind = kind, State = PrivacyRequestStates.Received, ReceivedVia = via,
            ContactId = subject.ContactId, SubjectIdentifierType = subject.IdentifierType, SubjectLookup = subject.Lookup,
            ReceivedAt = receivedAt, DueAt = due, DeadlineAt = due, CreatedById = teammateId, CreatedAt = now, UpdatedAt = now,
        };
        if (subject.Identifier is { } identifier)
        {
            var sealedIdentifier = workforce.SealPrivacyRequestField(request.Id, subject.IdentifierType, identifier);
            switch (subject.IdentifierType)
            {
                case PrivacyRequestFields.Email:
                    request.EncryptedSubjectEmail = sealedIdentifier;
                    break;
                case PrivacyRequestFields.ExternalId:
                    request.EncryptedSubjectExternalId = sealedIdentifier;
                    break;
                default:
                    request.EncryptedSubjectPhone = sealedIdentifier;
                    break;
            }
        }

        var metadata = new JsonObject
        {
            ["kind"] = kind, ["received_via"] = via, ["subject_found"] = subject.ContactId is not null, ["contact_id"] = subject.ContactId,
            ["subject_identifier_type"] = subject.IdentifierType, ["received_at"] = receivedAt.ToUnixTimeSeconds(), ["due_at"] = due.ToUnixTimeSeconds(),
        };
        return await cell.Writer.WriteAsync(async (db, ct) =>
        {
            db.PrivacyRequests.Add(request);
            await log.AppendAsync(db, cell, workspaceId, new ActivityEvent(
                ActivityTypes.PrivacyRequestCreation, actor, $"A privacy request ({kind}) was recorded.", Target(request.Id), metadata), ct);
            return request;
        }, cancellationToken);
    }

    /// <summary>
    /// Applies one of <see cref="PrivacyRequestTransitions"/>. Refusing needs a reason. Completing
    /// an erasure request forgets the identifier the subject gave (its keyed hash stays, so the
    /// record still proves what was answered); the erasure itself is the erasure path's, which
    /// will complete its request through this method.
    /// </summary>
    public async Task<PrivacyRequest> TransitionAsync(CellDatabase cell, string workspaceId, string requestId, string action, string? reason, ActivityActor actor, CancellationToken cancellationToken)
    {
        var refusal = action == PrivacyRequestTransitions.Refuse ? Reason(reason) : null;
        var workforce = await keys.WorkforceAsync(cell, workspaceId, cancellationToken);
        return await cell.Writer.WriteAsync(async (db, ct) =>
        {
            var request = await FindAsync(db, workspaceId, requestId, ct);
            var from = request.State;
            var to = PrivacyRequestTransitions.Next(from, action);
            var now = time.GetUtcNow();
            request.State = to;
            request.UpdatedAt = now;
            if (!PrivacyRequestStates.IsOpen(to))
            {
                request.ClosedAt = now;
            }

            if (refusal is not null)
            {
                request.EncryptedStateReason = workforce.SealPrivacyRequestField(request.Id, PrivacyRequestFields.StateReason, refusal);
            }

            if (to == PrivacyRequestStates.Completed && request.Kind == PrivacyRequestKinds.Erasure)
            {
                request.EncryptedSubjectEmail = null;
                request.EncryptedSubjectExternalId = null;
                request.EncryptedSubjectPhone = null;
            }

            await log.AppendAsync(db, cell, workspaceId, new ActivityEvent(
                ActivityTypes.PrivacyRequestStateChange, actor, $"A privacy request ({request.Kind}) went from {from} to {to}.", Target(request.Id),
                new JsonObject
                {
                    ["kind"] = request.Kind, ["before"] = from, ["after"] = to, ["reason_given"] = refusal is not null,
                    ["overdue"] = request.DeadlineAt < now,
                }), ct);
            return request;
        }, cancellationToken);
    }

    /// <summary>
    /// The one extension (Art. 12(3)): two further months from the original deadline, with a
    /// reason. Only while the request is open and its first deadline has not passed: the
    /// subject must be told of an extension within the first month.
    /// </summary>
    public async Task<PrivacyRequest> ExtendAsync(CellDatabase cell, string workspaceId, string requestId, string? reason, ActivityActor actor, CancellationToken cancellationToken)
    {
        var why = Reason(reason);
        var workforce = await keys.WorkforceAsync(cell, workspaceId, cancellationToken);
        return await cell.Writer.WriteAsync(async (db, ct) =>
        {
            var request = await FindAsync(db, workspaceId, requestId, ct);
            var now = time.GetUtcNow();
            if (!PrivacyRequestStates.IsOpen(request.State))
            {
                throw new ConfideException(ConfideError.Conflict($"A privacy request in state '{request.State}' cannot be extended: {request.State} is final"));
            }

            if (request.ExtendedDueAt is not null)
            {
                throw new ConfideException(ConfideError.Conflict("This privacy request's deadline was extended already; it can be extended only once"));
            }

            if (request.DueAt < now)
            {
                throw new ConfideException(ConfideError.Conflict("This privacy request's deadline has passed; an extension must be decided within the first month"));
            }

            var extended = LegalDeadline.Extended(request.DueAt);
            request.ExtendedDueAt = extended;
            request.DeadlineAt = extended;
            request.EncryptedExtensionReason = workforce.SealPrivacyRequestField(request.Id, PrivacyRequestFields.ExtensionReason, why);
            request.UpdatedAt = now;
            await log.AppendAsync(db, cell, workspaceId, new ActivityEvent(
                ActivityTypes.PrivacyRequestDeadlineExtension, actor, $"A privacy request's ({request.Kind}) deadline was extended by two months.", Target(request.Id),
                new JsonObject { ["kind"] = request.Kind, ["before"] = request.DueAt.ToUnixTimeSeconds(), ["after"] = extended.ToUnixTimeSeconds() }), ct);
            return request;
        }, cancellationToken);
    }

    /// <summary>The request, tracked for the change; anything that is not an id of this workspace's requests is a 404 (checked before the query).</summary>
    private static async Task<PrivacyRequest> FindAsync(ConfideDbContext db, string workspaceId, string requestId, CancellationToken ct) =>
        (PublicIds.IsEntityId(requestId) ? await db.PrivacyRequests.FirstOrDefaultAsync(r => r.WorkspaceId == workspaceId && r.Id == requestId, ct) : null)
            ?? throw new ConfideException(ConfideError.NotFound("Privacy request"));

    private static ActivityTarget Target(string requestId) => new("privacy_request", requestId);

    private static string OneOf(string? value, string field, IReadOnlyList<string> allowed)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ConfideException(ConfideError.ParameterMissing(field));
        }

        return allowed.Contains(value, StringComparer.Ordinal)
            ? value
            : throw new ConfideException(ConfideError.ParameterInvalid($"{field} must be one of: {string.Join(", ", allowed)}"));
    }

    private static DateTimeOffset ReceivedAt(long? seconds, DateTimeOffset now)
    {
        if (seconds is null)
        {
            return now;
        }

        if (seconds < 0 || seconds > UnixSeconds.Max)
        {
            throw new ConfideException(ConfideError.ParameterInvalid("received_at must be a Unix timestamp in seconds"));
        }

        var receivedAt = DateTimeOffset.FromUnixTimeSeconds(seconds.Value);
        return receivedAt <= now
            ? receivedAt
            : throw new ConfideException(ConfideError.ParameterInvalid("received_at cannot be in the future"));
    }

    private static string Reason(string? reason)
    {
        var trimmed = reason?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            throw new ConfideException(ConfideError.ParameterMissing("reason"));
        }

        return trimmed.Length <= MaxReasonLength
            ? trimmed
            : throw new ConfideException(ConfideError.ParameterInvalid($"reason must be at most {MaxReasonLength} characters"));
    }
}
