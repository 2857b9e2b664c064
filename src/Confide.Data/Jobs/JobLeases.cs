using Confide.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace Confide.Data.Jobs;

/// <summary>
/// The runner's writes to the job table. Each is one unit of the cell's writer, conditional on the
/// runner still holding the lease (state running, lease owner this claim): on PostgreSQL the
/// writer's batch lock serialises them across processes, on SQLite the single write lock does, so
/// two runners can never both claim a job, and a runner whose lease was taken over (or whose job
/// was cancelled) commits nothing more.
/// Every claim writes a lease id of its own (<c>owner#n</c>), so even the same runner taking back
/// a job whose lease it let expire (a step slower than the lease) shuts out its earlier run.
/// </summary>
internal sealed class JobLeases(string owner, JobOptions options, TimeProvider time)
{
    private long _claims;

    public sealed record Claimed(IReadOnlyList<Job> Jobs, IReadOnlyList<Job> Abandoned);

    /// <summary>
    /// Takes up to <paramref name="max"/> due jobs of <paramref name="kinds"/>: queued ones past
    /// their not-before, and running ones whose lease expired (their runner died). A job whose
    /// runners died <see cref="JobOptions.MaxAttempts"/> times is failed instead.
    /// </summary>
    public Task<Claimed> ClaimAsync(CellDatabase cell, IReadOnlyList<string> kinds, int max) =>
        cell.Writer.WriteAsync(async (db, ct) =>
        {
            var now = time.GetUtcNow();
            var due = await db.Jobs
                .Where(j => kinds.Contains(j.Kind)
                    && ((j.State == JobStates.Queued && j.NotBefore <= now) || (j.State == JobStates.Running && j.LeaseExpiresAt < now)))
                .OrderBy(j => j.NotBefore).ThenBy(j => j.Id)
                .Take(max)
                .ToListAsync(ct);
            var claimed = new List<Job>(due.Count);
            var abandoned = new List<Job>();
            foreach (var job in due)
            {
                job.UpdatedAt = now;
                if (job.State == JobStates.Running && job.Attempts >= options.MaxAttempts)
                {
                    Finish(job, JobStates.Failed, now);
                    job.LastError = JobErrors.LeaseExpired;
                    abandoned.Add(job);
                    continue;
                }

                job.State = JobStates.Running;
                job.LeaseOwner = $"{owner}#{Interlocked.Increment(ref _claims)}";
                job.LeaseExpiresAt = now + options.Lease;
                job.Attempts++;
                claimed.Add(job);
            }

            return new Claimed(claimed, abandoned);
        });

    /// <summary>Commits a step (checkpoint, progress, the step's own write) and renews the lease; false, with nothing written, if the lease is lost.</summary>
    public Task<bool> CommitStepAsync(CellDatabase cell, string jobId, string lease, JobStepResult step) =>
        cell.Writer.WriteAsync(async (db, ct) =>
        {
            var now = time.GetUtcNow();
            var updated = await Held(db, jobId, lease).ExecuteUpdateAsync(
                s =>
                {
                    s.SetProperty(j => j.ProgressDone, step.ProgressDone)
                        .SetProperty(j => j.ProgressTotal, step.ProgressTotal)
                        .SetProperty(j => j.UpdatedAt, now);
                    if (step.Checkpoint is not null || !step.Finished)
                    {
                        s.SetProperty(j => j.Checkpoint, step.Checkpoint);
                    }

                    if (step.Finished)
                    {
                        s.SetProperty(j => j.State, JobStates.Completed)
                            .SetProperty(j => j.CompletedAt, now)
                            .SetProperty(j => j.LeaseOwner, (string?)null)
                            .SetProperty(j => j.LeaseExpiresAt, (DateTimeOffset?)null);
                    }
                    else
                    {
                        s.SetProperty(j => j.LeaseExpiresAt, now + options.Lease);
                    }
                },
                ct);
            if (updated == 0)
            {
                return false;
            }

            if (step.Write is { } write)
            {
                await write(db, ct);
            }

            return true;
        });

    /// <summary>
    /// Hands the job back to the queue, to be claimed again from <paramref name="notBefore"/>. A
    /// stop of the process (<paramref name="countAttempt"/> false) does not use up an attempt.
    /// </summary>
    public Task<bool> ReleaseAsync(CellDatabase cell, string jobId, string lease, DateTimeOffset notBefore, string? error, bool countAttempt) =>
        cell.Writer.WriteAsync(async (db, ct) =>
        {
            var now = time.GetUtcNow();
            var refund = countAttempt ? 0 : 1;
            return await Held(db, jobId, lease).ExecuteUpdateAsync(
                s => s.SetProperty(j => j.State, JobStates.Queued)
                    .SetProperty(j => j.LeaseOwner, (string?)null)
                    .SetProperty(j => j.LeaseExpiresAt, (DateTimeOffset?)null)
                    .SetProperty(j => j.NotBefore, notBefore)
                    .SetProperty(j => j.LastError, error)
                    .SetProperty(j => j.Attempts, j => j.Attempts - refund)
                    .SetProperty(j => j.UpdatedAt, now),
                ct) > 0;
        });

    /// <summary>Ends the job as failed with <paramref name="error"/>; false if the lease was lost first.</summary>
    public Task<bool> FailAsync(CellDatabase cell, string jobId, string lease, string error) =>
        cell.Writer.WriteAsync(async (db, ct) =>
        {
            var now = time.GetUtcNow();
            return await Held(db, jobId, lease).ExecuteUpdateAsync(
                s => s.SetProperty(j => j.State, JobStates.Failed)
                    .SetProperty(j => j.LastError, error)
                    .SetProperty(j => j.LeaseOwner, (string?)null)
                    .SetProperty(j => j.LeaseExpiresAt, (DateTimeOffset?)null)
                    .SetProperty(j => j.CompletedAt, now)
                    .SetProperty(j => j.UpdatedAt, now),
                ct) > 0;
        });

    private static IQueryable<Job> Held(ConfideDbContext db, string jobId, string lease) =>
        db.Jobs.Where(j => j.Id == jobId && j.State == JobStates.Running && j.LeaseOwner == lease);

    private static void Finish(Job job, string state, DateTimeOffset now)
    {
        job.State = state;
        job.CompletedAt = now;
        job.LeaseOwner = null;
        job.LeaseExpiresAt = null;
    }
}

/// <summary>The codes the runner itself stores in <see cref="Job.LastError"/>.</summary>
public static class JobErrors
{
    /// <summary>The job's runners stopped (crashed or were killed) too many times without finishing it.</summary>
    public const string LeaseExpired = "lease_expired";

    /// <summary>A classified code for an exception: its kind and the provider's error code or the exception's type name, never its message.</summary>
    public static string Of(Exception exception)
    {
        var code = $"{DatabaseFailure.Classify(exception).ToString().ToLowerInvariant()}:{DatabaseFailure.ReasonOf(exception)}";
        return code.Length <= 256 ? code : code[..256];
    }
}
