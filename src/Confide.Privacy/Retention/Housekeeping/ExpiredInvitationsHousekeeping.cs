using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace Confide.Privacy.Retention.Housekeeping;

/// <summary>
/// Removes invitations that expired more than <see cref="KeepDays"/> days ago, with the teammate
/// each one completes (added, never joined): the invitation is what makes that teammate "added",
/// so one does not go without the other. An accepted invitation is deleted as it is accepted; a
/// declined one is treated exactly as an expired one, so the workspace still cannot tell the two
/// apart. Each removal is an <c>admin_deletion</c> entry (actor Confide, <c>reason</c>
/// <c>invitation_expired</c>) in the workspace's log. Skipped: a workspace under a legal hold or
/// being deleted, and a pending owner when the workspace has no owner who has joined.
/// </summary>
internal sealed class ExpiredInvitationsHousekeeping(WorkspaceKeyRing keys, ActivityLog log) : IRetentionHousekeeping
{
    /// <summary>How long an expired invitation is kept (it can be sent again until then).</summary>
    public const int KeepDays = 7;

    public const string Reason = "invitation_expired";

    public string Name => "teammate_invitations";

    private sealed record Candidate(string WorkspaceId, string TeammateId, string Role);

    public async Task<RetentionBatch?> NextBatchAsync(CellDatabase cell, DateTimeOffset now, int batchSize, CancellationToken cancellationToken)
    {
        var cutoff = now.AddDays(-KeepDays);
        List<Candidate> due;
        await using (var db = cell.CreateReadContext())
        {
            due = await Due(db, now, cutoff, only: null).Take(batchSize).ToListAsync(cancellationToken);
        }

        if (due.Count == 0)
        {
            return null;
        }

        // The log entries are sealed under each workspace's workforce key: read before the write, which does no I/O.
        var workforce = new Dictionary<string, WorkforceCipher>(StringComparer.Ordinal);
        foreach (var workspaceId in due.Select(c => c.WorkspaceId).Distinct())
        {
            workforce[workspaceId] = await keys.WorkforceAsync(cell, workspaceId, cancellationToken);
        }

        var teammateIds = due.Select(c => c.TeammateId).ToList();
        return new RetentionBatch(due.Count, async (db, ct) =>
        {
            // Again in the write: an invitation sent again or accepted since the read stays.
            var still = await Due(db, now, cutoff, teammateIds).ToListAsync(ct);
            foreach (var candidate in still)
            {
                await log.AppendAsync(db, cell, candidate.WorkspaceId, new ActivityEvent(
                    ActivityTypes.AdminDeletion, ActivityActor.Confide,
                    $"A teammate who never joined was removed: their invitation expired more than {KeepDays} days ago.",
                    new ActivityTarget("admin", candidate.TeammateId),
                    new JsonObject { ["role"] = candidate.Role, ["reason"] = Reason }), ct, workforce[candidate.WorkspaceId]);
            }

            var removed = still.Select(c => c.TeammateId).ToList();
            await db.ApiTokens.Where(t => removed.Contains(t.TeammateId)).ExecuteDeleteAsync(ct);
            await db.TeamMembers.Where(m => removed.Contains(m.TeammateId)).ExecuteDeleteAsync(ct);
            foreach (var group in still.GroupBy(c => c.WorkspaceId))
            {
                var ids = group.Select(c => c.TeammateId).ToList();
                await db.Conversations.IgnoreQueryFilters().Where(c => c.WorkspaceId == group.Key && c.AdminAssigneeId != null && ids.Contains(c.AdminAssigneeId))
                    .ExecuteUpdateAsync(s => s.SetProperty(c => c.AdminAssigneeId, (string?)null), ct);
            }

            await db.TeammateInvitations.Where(i => removed.Contains(i.TeammateId)).ExecuteDeleteAsync(ct);
            await db.Teammates.Where(t => removed.Contains(t.Id) && t.AccountId == null).ExecuteDeleteAsync(ct);
        });
    }

    private static IQueryable<Candidate> Due(ConfideDbContext db, DateTimeOffset now, DateTimeOffset cutoff, List<string>? only)
    {
        var rows =
            from i in db.TeammateInvitations
            join t in db.Teammates on i.TeammateId equals t.Id
            join w in db.Workspaces on i.WorkspaceId equals w.Id
            where i.ExpiresAt < cutoff && t.AccountId == null && w.DeletedAt == null && w.DeletionDueAt == null
                && !db.LegalHolds.Any(h => h.WorkspaceId == i.WorkspaceId && h.TargetType == LegalHoldTargets.Workspace && h.ReleasedAt == null && (h.Until == null || h.Until > now))
                && (t.Role != TeammateRoles.Owner || db.Teammates.Any(o => o.WorkspaceId == i.WorkspaceId && o.Role == TeammateRoles.Owner && o.AccountId != null))
            select new { i.WorkspaceId, TeammateId = t.Id, t.Role };
        if (only is not null)
        {
            rows = rows.Where(r => only.Contains(r.TeammateId));
        }

        return rows.OrderBy(r => r.WorkspaceId).ThenBy(r => r.TeammateId).Select(r => new Candidate(r.WorkspaceId, r.TeammateId, r.Role));
    }
}
