using Confide.Data;
using Confide.Data.Jobs;
using Confide.Data.Model;
using Confide.Privacy.Exports;
using Confide.Privacy.Exports.Content;
using Confide.Privacy.Workspaces;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Confide.Privacy.Retention.Housekeeping;

/// <summary>
/// Deletes job rows that finished (completed, failed, cancelled) more than
/// <see cref="JobOptions.KeepFinishedDays"/> days ago (docs/jobs.md), except:
/// <list type="bullet">
/// <item>the completed <c>workspace.deletion</c> row of a deleted workspace, kept for ever with its receipt (ADR 0013);</item>
/// <item>an export's row (a subject's or a data export's) while its file may still exist (<see cref="SubjectExportOptions.Retention"/> after it finished, and a day more): the row holds the archive's id;</item>
/// <item>the rows of a workspace under a legal hold.</item>
/// </list>
/// Once a row is gone its deduplication key is free again; every key in use names something that
/// happens once (a contact's erasure, a request's export, a deletion's scheduling instant).
/// </summary>
internal sealed class FinishedJobsHousekeeping(IOptions<JobOptions> jobs, IOptions<SubjectExportOptions> exports) : IRetentionHousekeeping
{
    public string Name => "finished_jobs";

    public async Task<RetentionBatch?> NextBatchAsync(CellDatabase cell, DateTimeOffset now, int batchSize, CancellationToken cancellationToken)
    {
        var cutoff = now.AddDays(-jobs.Value.KeepFinishedDays);
        var exportCutoff = now - exports.Value.Retention - TimeSpan.FromDays(1);
        if (exportCutoff > cutoff)
        {
            exportCutoff = cutoff;
        }

        List<string> ids;
        await using (var db = cell.CreateReadContext())
        {
            ids = await Due(db, now, cutoff, exportCutoff).OrderBy(j => j.CompletedAt).Select(j => j.Id).Take(batchSize).ToListAsync(cancellationToken);
        }

        if (ids.Count == 0)
        {
            return null;
        }

        // Checked again in the write: a hold set since the read keeps its rows.
        return new RetentionBatch(ids.Count, (db, ct) => Due(db, now, cutoff, exportCutoff).Where(j => ids.Contains(j.Id)).ExecuteDeleteAsync(ct));
    }

    private static IQueryable<Job> Due(ConfideDbContext db, DateTimeOffset now, DateTimeOffset cutoff, DateTimeOffset exportCutoff) =>
        db.Jobs.Where(j =>
            (j.State == JobStates.Completed || j.State == JobStates.Failed || j.State == JobStates.Cancelled)
            && j.CompletedAt < cutoff
            && !((j.Kind == SubjectExportJob.JobKind || j.Kind == ContentExportJob.JobKind) && j.CompletedAt >= exportCutoff)
            && !(j.Kind == WorkspaceDeletionJob.JobKind && j.State == JobStates.Completed && db.WorkspaceDeletions.Any(d => d.WorkspaceId == j.WorkspaceId))
            && !db.LegalHolds.Any(h => h.WorkspaceId == j.WorkspaceId && h.TargetType == LegalHoldTargets.Workspace && h.ReleasedAt == null && (h.Until == null || h.Until > now)));
}
