using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Jobs;
using Confide.Data.Model;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Privacy.Workspaces;

/// <summary>Where a workspace's deletion stands: none scheduled, or scheduled to start at <paramref name="DeletesAt"/>.</summary>
public sealed record WorkspaceDeletionStatus(DateTimeOffset? ScheduledAt, DateTimeOffset? DeletesAt)
{
    public bool IsScheduled => DeletesAt is not null;

    public JsonObject ToJson() => new()
    {
        ["type"] = "workspace_deletion",
        ["state"] = IsScheduled ? "scheduled" : "none",
        ["scheduled_at"] = ScheduledAt?.ToUnixTimeSeconds(),
        ["deletes_at"] = DeletesAt?.ToUnixTimeSeconds(),
    };
}

/// <summary>
/// Schedules and cancels a workspace's deletion, for the API and the settings page alike: the
/// owner types the workspace's name and chooses a grace period (0–14 days) during which the
/// deletion can be cancelled; then <see cref="WorkspaceDeletionJob"/> destroys the keys and purges
/// the rows. Every owner is mailed at scheduling and at cancellation; both are logged.
/// </summary>
public sealed class WorkspaceDeletionCommands(ActivityLog log, JobQueue jobs, WorkspaceKeyRing keys, WorkspaceDeletionMail mail, TimeProvider time)
{
    public const int MaxGraceDays = 14;

    /// <summary>The reason of a deletion the retention policy scheduled (docs/retention.md).</summary>
    public const string RetentionReason = "retention";

    public static async Task<WorkspaceDeletionStatus> GetAsync(CellDatabase cell, string workspaceId, CancellationToken ct)
    {
        await using var db = cell.CreateReadContext();
        var workspace = await db.Workspaces.AsNoTracking().FirstAsync(w => w.Id == workspaceId, ct);
        return new WorkspaceDeletionStatus(workspace.DeletionScheduledAt, workspace.DeletionDueAt);
    }

    /// <summary>
    /// Schedules the deletion; a <see cref="ConfideException"/> for a wrong name (400), a grace out
    /// of range (400), one already scheduled (409) or an active legal hold in the workspace (409 <c>legal_hold</c>).
    /// </summary>
    public Task<WorkspaceDeletionStatus> ScheduleAsync(CellDatabase cell, string workspaceId, string? confirmName, int? graceDays, ActivityActor actor, CancellationToken ct) =>
        ScheduleAsync(cell, workspaceId, confirmName, graceDays, actor, reason: null, ct);

    /// <summary>
    /// Schedules the deletion for a <paramref name="reason"/> of Confide's own (<see cref="RetentionReason"/>:
    /// the retention policy's inactive-workspace rule), recorded in the activity entry and told in the owners' mail.
    /// </summary>
    public async Task<WorkspaceDeletionStatus> ScheduleAsync(CellDatabase cell, string workspaceId, string? confirmName, int? graceDays, ActivityActor actor, string? reason, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(confirmName))
        {
            throw new ConfideException(ConfideError.ParameterMissing("confirm_name"));
        }

        if (graceDays is null)
        {
            throw new ConfideException(ConfideError.ParameterMissing("grace_days"));
        }

        if (graceDays is < 0 or > MaxGraceDays)
        {
            throw new ConfideException(ConfideError.ParameterInvalid($"grace_days must be between 0 and {MaxGraceDays}"));
        }

        // Read before the write: with no grace the deletion may start, and the keys go, as soon as it commits.
        var notice = await ReadNoticeAsync(cell, workspaceId, ct);
        if (!string.Equals(confirmName, notice.WorkspaceName, StringComparison.Ordinal))
        {
            // The name is not repeated: the caller should type it from what they see.
            throw new ConfideException(ConfideError.ParameterInvalid("confirm_name must be the workspace's name, exactly as it is written"));
        }

        var now = time.GetUtcNow();
        var due = now.AddDays(graceDays.Value);
        await cell.Writer.WriteAsync(async (db, token) =>
        {
            var workspace = await db.Workspaces.FirstAsync(w => w.Id == workspaceId, token);
            if (workspace.DeletionDueAt is not null || workspace.DeletedAt is not null)
            {
                throw new ConfideException(ConfideError.Conflict("The workspace's deletion is already scheduled; cancel it first to choose another grace period"));
            }

            // Any active hold in the workspace, on it or on anything in it, stops its deletion (docs/legal-holds.md).
            if (await db.ActiveHolds(workspaceId, now).AnyAsync(token))
            {
                throw new ConfideException(ConfideError.LegalHold("Data in this workspace"));
            }

            workspace.DeletionScheduledAt = now;
            workspace.DeletionDueAt = due;
            await jobs.EnqueueAsync(db, WorkspaceDeletionJob.Request(workspaceId, now, due), token);
            var metadata = new JsonObject { ["grace_days"] = graceDays.Value, ["deletes_at"] = due.ToUnixTimeSeconds() };
            if (reason is not null)
            {
                metadata["reason"] = reason;
            }

            await log.AppendAsync(db, cell, workspaceId, new ActivityEvent(
                ActivityTypes.WorkspaceDeletionScheduled, actor,
                (graceDays == 0 ? "The workspace's deletion was scheduled to start at once." : $"The workspace's deletion was scheduled to start after {graceDays} day(s) of grace.")
                    + (reason == RetentionReason ? " The retention policy deletes workspaces inactive for longer than its period." : ""),
                new ActivityTarget("workspace", workspaceId), metadata), token);
        }, ct);
        jobs.Wake(cell);
        await mail.ScheduledAsync(notice, workspaceId, due, reason, ct);
        return new WorkspaceDeletionStatus(now, due);
    }

    /// <summary>Cancels a scheduled deletion during its grace period; 409 when none is scheduled or it has started.</summary>
    public async Task CancelAsync(CellDatabase cell, string workspaceId, ActivityActor actor, CancellationToken ct)
    {
        var notice = await ReadNoticeAsync(cell, workspaceId, ct);
        await cell.Writer.WriteAsync(async (db, token) =>
        {
            var workspace = await db.Workspaces.FirstAsync(w => w.Id == workspaceId, token);
            if (workspace.DeletedAt is not null)
            {
                throw new ConfideException(ConfideError.Conflict("The workspace's deletion has started and cannot be cancelled"));
            }

            if (workspace.DeletionDueAt is null)
            {
                throw new ConfideException(ConfideError.Conflict("No deletion of this workspace is scheduled"));
            }

            var due = workspace.DeletionDueAt.Value;
            workspace.DeletionScheduledAt = null;
            workspace.DeletionDueAt = null;
            // In the same transaction: a job that started its first step meanwhile has that step's result refused.
            var now = time.GetUtcNow();
            await db.Jobs
                .Where(j => j.WorkspaceId == workspaceId && j.Kind == WorkspaceDeletionJob.JobKind && (j.State == JobStates.Queued || j.State == JobStates.Running))
                .ExecuteUpdateAsync(
                    s => s.SetProperty(j => j.State, JobStates.Cancelled)
                        .SetProperty(j => j.LeaseOwner, (string?)null)
                        .SetProperty(j => j.LeaseExpiresAt, (DateTimeOffset?)null)
                        .SetProperty(j => j.CompletedAt, now)
                        .SetProperty(j => j.UpdatedAt, now),
                    token);
            await log.AppendAsync(db, cell, workspaceId, new ActivityEvent(
                ActivityTypes.WorkspaceDeletionCancelled, actor, "The workspace's scheduled deletion was cancelled.",
                new ActivityTarget("workspace", workspaceId), new JsonObject { ["deletes_at"] = due.ToUnixTimeSeconds() }), token);
        }, ct);
        await mail.CancelledAsync(notice, workspaceId, ct);
    }

    /// <summary>The workspace's name and its owners' addresses (opened with the workforce key), for the mails.</summary>
    internal async Task<WorkspaceDeletionNotice> ReadNoticeAsync(CellDatabase cell, string workspaceId, CancellationToken ct)
    {
        await using var db = cell.CreateReadContext();
        var name = await db.Workspaces.Where(w => w.Id == workspaceId).Select(w => w.Name).FirstAsync(ct);
        var owners = await db.Teammates.AsNoTracking().Where(t => t.WorkspaceId == workspaceId && t.Role == TeammateRoles.Owner).OrderBy(t => t.Id).ToListAsync(ct);
        var workforce = await keys.WorkforceAsync(cell, workspaceId, ct);
        return new WorkspaceDeletionNotice(name, [.. owners.Select(workforce.Email).Distinct(StringComparer.OrdinalIgnoreCase)]);
    }
}

/// <summary>Whom to tell about a workspace's deletion: its owners' addresses, and its name to tell them which.</summary>
public sealed record WorkspaceDeletionNotice(string WorkspaceName, IReadOnlyList<string> OwnerEmails);
