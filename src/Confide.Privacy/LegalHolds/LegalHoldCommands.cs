using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Privacy.LegalHolds;

/// <summary>
/// Sets and releases legal holds (docs/legal-holds.md), each with its activity-log entry in the
/// same transaction. The input is checked and the reason sealed before the cell's writer; inside
/// it only the target's existence (so a hold cannot be set on a contact whose erasure commits
/// first) and the write. The reason never leaves the hold's row: the entries say who, on what and
/// until when, never why.
/// </summary>
public sealed class LegalHoldCommands(WorkspaceKeyRing keys, ActivityLog log, TimeProvider time)
{
    public const int MaxReasonLength = 1000;

    public async Task<LegalHold> SetAsync(CellDatabase cell, string workspaceId, LegalHoldInput input, ActivityActor actor, CancellationToken cancellationToken)
    {
        var targetType = input.TargetType?.Trim();
        if (string.IsNullOrEmpty(targetType))
        {
            throw new ConfideException(ConfideError.ParameterMissing("target_type"));
        }

        if (!LegalHoldTargets.IsValid(targetType))
        {
            throw new ConfideException(ConfideError.ParameterInvalid(
                $"target_type must be one of: {LegalHoldTargets.Contact}, {LegalHoldTargets.Conversation}, {LegalHoldTargets.Workspace}"));
        }

        var targetId = input.TargetId?.Trim();
        if (string.IsNullOrEmpty(targetId))
        {
            throw new ConfideException(ConfideError.ParameterMissing("target_id"));
        }

        var reason = Reason(input.Reason);
        var now = time.GetUtcNow();
        var until = Until(input.Until, now);
        // An id that cannot be one of this workspace's is simply not found, before any query.
        var plausible = targetType == LegalHoldTargets.Workspace ? string.Equals(targetId, workspaceId, StringComparison.Ordinal) : PublicIds.IsEntityId(targetId);
        if (!plausible)
        {
            throw new ConfideException(NotFound(targetType));
        }

        var workforce = await keys.WorkforceAsync(cell, workspaceId, cancellationToken);
        var id = PublicIds.NewEntityId(time);
        var hold = new LegalHold
        {
            Id = id, WorkspaceId = workspaceId, TargetType = targetType, TargetId = targetId,
            EncryptedReason = workforce.SealLegalHoldReason(id, reason),
            SetByType = actor.Type, SetById = actor.Id, CreatedAt = now, Until = until,
        };
        return await cell.Writer.WriteAsync(async (db, ct) =>
        {
            if (!await TargetExistsAsync(db, workspaceId, targetType, targetId, ct))
            {
                throw new ConfideException(NotFound(targetType));
            }

            db.LegalHolds.Add(hold);
            await log.AppendAsync(db, cell, workspaceId, new ActivityEvent(
                ActivityTypes.LegalHoldSet, actor,
                until is null ? $"A legal hold was set on a {targetType}, until released." : $"A legal hold was set on a {targetType}, with an end date.",
                new ActivityTarget(targetType, targetId), Metadata(hold, now)), ct);
            return hold;
        }, cancellationToken);
    }

    /// <summary>Releases a hold: the row stays, with who released it and when. 404 for an unknown hold, 409 for one released already.</summary>
    public async Task<LegalHold> ReleaseAsync(CellDatabase cell, string workspaceId, string holdId, ActivityActor actor, CancellationToken cancellationToken)
    {
        if (!PublicIds.IsEntityId(holdId))
        {
            throw new ConfideException(ConfideError.NotFound("Legal hold"));
        }

        return await cell.Writer.WriteAsync(async (db, ct) =>
        {
            var hold = await db.LegalHolds.FirstOrDefaultAsync(h => h.WorkspaceId == workspaceId && h.Id == holdId, ct)
                ?? throw new ConfideException(ConfideError.NotFound("Legal hold"));
            if (hold.ReleasedAt is not null)
            {
                throw new ConfideException(ConfideError.Conflict("This legal hold was released already"));
            }

            var now = time.GetUtcNow();
            var lapsed = !LegalHoldView.IsActive(hold, now);
            hold.ReleasedAt = now;
            hold.ReleasedByType = actor.Type;
            hold.ReleasedById = actor.Id;
            var metadata = Metadata(hold, now);
            metadata["lapsed_before_release"] = lapsed;
            await log.AppendAsync(db, cell, workspaceId, new ActivityEvent(
                ActivityTypes.LegalHoldReleased, actor, $"A legal hold on a {hold.TargetType} was released.",
                new ActivityTarget(hold.TargetType, hold.TargetId), metadata), ct);
            return hold;
        }, cancellationToken);
    }

    /// <summary>
    /// Whether the target is there to be held: a contact or conversation of the workspace that is
    /// not being erased (one whose erasure has started is gone for every reader), or the workspace itself.
    /// </summary>
    private static async Task<bool> TargetExistsAsync(ConfideDbContext db, string workspaceId, string targetType, string targetId, CancellationToken ct) => targetType switch
    {
        LegalHoldTargets.Contact => await db.Contacts.AnyAsync(c => c.WorkspaceId == workspaceId && c.Id == targetId, ct)
            && !await db.PendingContactErasures.AnyAsync(p => p.ContactId == targetId, ct),
        LegalHoldTargets.Conversation => await db.Conversations.AnyAsync(c => c.WorkspaceId == workspaceId && c.Id == targetId, ct),
        _ => await db.Workspaces.AnyAsync(w => w.Id == workspaceId && w.DeletedAt == null, ct),
    };

    private static ConfideError NotFound(string targetType) => ConfideError.NotFound(targetType switch
    {
        LegalHoldTargets.Contact => "Contact",
        LegalHoldTargets.Conversation => "Conversation",
        _ => "Workspace",
    });

    /// <summary>Ids and times only: the reason is not in the entry (it may name people), only that one was given.</summary>
    private static JsonObject Metadata(LegalHold hold, DateTimeOffset now) => new()
    {
        ["legal_hold_id"] = hold.Id,
        ["target_type"] = hold.TargetType,
        ["target_id"] = hold.TargetId,
        ["until"] = hold.Until?.ToUnixTimeSeconds(),
        ["active"] = LegalHoldView.IsActive(hold, now),
    };

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

    private static DateTimeOffset? Until(long? seconds, DateTimeOffset now)
    {
        if (seconds is null)
        {
            return null;
        }

        if (seconds < 0 || seconds > UnixSeconds.Max)
        {
            throw new ConfideException(ConfideError.ParameterInvalid("until must be a Unix timestamp in seconds"));
        }

        var until = DateTimeOffset.FromUnixTimeSeconds(seconds.Value);
        return until > now
            ? until
            : throw new ConfideException(ConfideError.ParameterInvalid("until must be in the future"));
    }
}
