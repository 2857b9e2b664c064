using Confide.Data;
using Confide.Data.Jobs;
using Confide.Data.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Confide.Privacy.Retention;

/// <summary>What <see cref="RetentionControls.RunNowAsync"/> did.</summary>
public enum RetentionRunRequest
{
    /// <summary>A new run was queued.</summary>
    Queued,

    /// <summary>A run is already queued or under way; nothing was added.</summary>
    AlreadyActive,

    /// <summary>Sweeps are paused; resume them first.</summary>
    Paused,
}

/// <summary>
/// The operator's controls of a region's retention sweeps: pause, resume and run now. The pause
/// is a row in the region's database, so every process serving the region sees it; a sweep
/// under way stops at its next step and is continued, from its checkpoint, on resume.
/// </summary>
public sealed partial class RetentionControls(JobQueue jobs, TimeProvider time, ILogger<RetentionControls> logger)
{
    public static async Task<bool> IsPausedAsync(CellDatabase cell, CancellationToken ct)
    {
        await using var db = cell.CreateReadContext();
        var region = cell.Region.Code;
        return await db.RetentionControls.AnyAsync(c => c.Region == region && c.PausedAt != null, ct);
    }

    /// <summary>Whether a sweep job of the region is queued or running.</summary>
    public static Task<bool> HasActiveSweepAsync(ConfideDbContext db, CancellationToken ct) =>
        db.Jobs.AnyAsync(j => j.Kind == RetentionSweepJob.JobKind && j.WorkspaceId == null && (j.State == JobStates.Queued || j.State == JobStates.Running), ct);

    /// <summary>Pauses the region's sweeps; false when they already were.</summary>
    public async Task<bool> PauseAsync(CellDatabase cell, string by, CancellationToken ct)
    {
        var changed = await cell.Writer.WriteAsync(async (db, token) =>
        {
            var region = cell.Region.Code;
            var control = await db.RetentionControls.FirstOrDefaultAsync(c => c.Region == region, token);
            if (control is null)
            {
                control = new RetentionControl { Region = region };
                db.RetentionControls.Add(control);
            }
            else if (control.PausedAt is not null)
            {
                return false;
            }

            control.PausedAt = time.GetUtcNow();
            control.PausedBy = by;
            return true;
        }, ct);
        if (changed)
        {
            LogPaused(logger, cell.Region.Code, by);
        }

        return changed;
    }

    /// <summary>Resumes the region's sweeps and continues a paused run from its checkpoint; false when they were not paused.</summary>
    public async Task<bool> ResumeAsync(CellDatabase cell, string by, CancellationToken ct)
    {
        var changed = await cell.Writer.WriteAsync(async (db, token) =>
        {
            var region = cell.Region.Code;
            var control = await db.RetentionControls.FirstOrDefaultAsync(c => c.Region == region && c.PausedAt != null, token);
            if (control is null)
            {
                return false;
            }

            control.PausedAt = null;
            control.PausedBy = null;
            // The newest paused run goes on from where it stopped; in this unit, so two resumes continue it once.
            var paused = await db.RetentionRuns.Where(r => r.Region == region && r.State == RetentionRunStates.Paused).OrderByDescending(r => r.StartedAt).FirstOrDefaultAsync(token);
            if (paused is not null && !await HasActiveSweepAsync(db, token))
            {
                paused.State = RetentionRunStates.Running;
                await jobs.EnqueueAsync(db, RetentionSweepJob.Resume(paused.Id, time.GetUtcNow()), token);
            }

            return true;
        }, ct);
        if (changed)
        {
            jobs.Wake(cell);
            LogResumed(logger, cell.Region.Code, by);
        }

        return changed;
    }

    /// <summary>Queues a sweep of the region now (besides the daily one).</summary>
    /// <returns>What happened, and the queued job's id.</returns>
    public async Task<(RetentionRunRequest Outcome, string? JobId)> RunNowAsync(CellDatabase cell, CancellationToken ct)
    {
        var outcome = await cell.Writer.WriteAsync(async (db, token) =>
        {
            var region = cell.Region.Code;
            if (await db.RetentionControls.AnyAsync(c => c.Region == region && c.PausedAt != null, token))
            {
                return (RetentionRunRequest.Paused, (string?)null);
            }

            if (await HasActiveSweepAsync(db, token))
            {
                return (RetentionRunRequest.AlreadyActive, null);
            }

            var job = await jobs.EnqueueAsync(db, RetentionSweepJob.Manual(time.GetUtcNow()), token);
            return (RetentionRunRequest.Queued, job.Id);
        }, ct);
        if (outcome.Item1 == RetentionRunRequest.Queued)
        {
            jobs.Wake(cell);
        }

        return outcome;
    }

    [LoggerMessage(EventId = 4803, EventName = "RetentionPaused", Level = LogLevel.Warning, Message = "Retention sweeps of region {Region} were paused by {By}")]
    private static partial void LogPaused(ILogger logger, string region, string by);

    [LoggerMessage(EventId = 4804, EventName = "RetentionResumed", Level = LogLevel.Information, Message = "Retention sweeps of region {Region} were resumed by {By}")]
    private static partial void LogResumed(ILogger logger, string region, string by);
}
