using Confide.Data;
using Confide.Data.Jobs;
using Confide.Data.Model;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Confide.Privacy.Retention;

/// <summary>
/// Enqueues each served region's daily <c>retention.sweep</c> once <see cref="RetentionOptions.RunAt"/>
/// has passed (UTC), with the deduplication key <c>retention:&lt;yyyy-MM-dd&gt;</c>. It runs in
/// every process: the key makes the enqueue happen once per region and day however many
/// processes try (their enqueues are serialised by the cell's writer lock), and the job runner's
/// lease makes one process run it. Nothing is enqueued while the region's sweeps are paused or a
/// sweep is still queued or under way.
/// </summary>
public sealed partial class RetentionScheduler(CellRegistry cells, JobQueue jobs, IOptions<RetentionOptions> options, TimeProvider time, ILogger<RetentionScheduler> logger) : BackgroundService
{
    private readonly LogRateLimiter _logLimiter = new(time);

    /// <summary>When the next daily sweep is due at or after <paramref name="now"/> (today's if not yet enqueued).</summary>
    public static DateTimeOffset NextRunAt(DateTimeOffset now, TimeSpan runAt, bool todayDone)
    {
        var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero) + runAt;
        return todayDone || now >= today.AddDays(1) ? today.AddDays(1) : today;
    }

    public static string DayKey(DateOnly day) => $"retention:{day:yyyy-MM-dd}";

    /// <summary>Enqueues the region's sweep for today if it is due; the job, or null when nothing was due.</summary>
    public async Task<Job?> EnqueueIfDueAsync(CellDatabase cell, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (now.UtcDateTime.TimeOfDay < options.Value.RunAt)
        {
            return null;
        }

        var day = DateOnly.FromDateTime(now.UtcDateTime);
        var region = cell.Region.Code;
        var key = DayKey(day);
        // Read first: once the day's job exists (the rest of the day), a check costs no write.
        await using (var read = cell.CreateReadContext())
        {
            if (await read.Jobs.AsNoTracking().FirstOrDefaultAsync(j => j.Kind == RetentionSweepJob.JobKind && j.WorkspaceId == null && j.DeduplicationKey == key, ct) is { } done)
            {
                return done;
            }
        }

        var job = await cell.Writer.WriteAsync(async (db, token) =>
        {
            var existing = await db.Jobs.FirstOrDefaultAsync(j => j.Kind == RetentionSweepJob.JobKind && j.WorkspaceId == null && j.DeduplicationKey == key, token);
            if (existing is not null)
            {
                return existing;
            }

            if (await db.RetentionControls.AnyAsync(c => c.Region == region && c.PausedAt != null, token) || await RetentionControls.HasActiveSweepAsync(db, token))
            {
                return null;
            }

            return await jobs.EnqueueAsync(db, RetentionSweepJob.Scheduled(day), token);
        }, ct);
        if (job is not null)
        {
            jobs.Wake(cell);
        }

        return job;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Schedule)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            foreach (var cell in cells.All)
            {
                try
                {
                    await EnqueueIfDueAsync(cell, stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    // Tried again at the next check; the day's key makes a late enqueue harmless.
                    if (_logLimiter.ShouldLog(new LogKey(nameof(LogEnqueueFailed), ex.GetType().Name, cell.Region.Code), out var suppressed))
                    {
                        LogEnqueueFailed(logger, cell.Region.Code, DatabaseFailure.ReasonOf(ex), suppressed);
                    }
                }
            }

            try
            {
                await Task.Delay(options.Value.CheckInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 4805, EventName = "RetentionEnqueueFailed", Level = LogLevel.Warning, Message = "The retention sweep of region {Region} could not be enqueued ({Reason}); tried again at the next check; {Suppressed} more like it were left out")]
    private static partial void LogEnqueueFailed(ILogger logger, string region, string reason, int suppressed);
}
