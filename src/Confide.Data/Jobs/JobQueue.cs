using System.Text.Json;
using Confide.Data.Model;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Data.Jobs;

/// <summary>Adds and cancels jobs. See docs/jobs.md.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "A queue of jobs in the database, not a collection type; the docs and the CLI call it so.")]
public sealed class JobQueue(JobSignals signals, TimeProvider time)
{
    public const int MaxPayloadLength = 16 * 1024;

    /// <summary>
    /// Adds a job inside the caller's own write unit (a <see cref="CellWriter"/> unit), so the
    /// business change and its job commit together or not at all. Returns the existing job when
    /// the request's deduplication key is taken. The runner of this process finds the job at its
    /// next poll; call <see cref="Wake"/> after the write returned to start it at once.
    /// </summary>
    public async Task<Job> EnqueueAsync(ConfideDbContext db, JobRequest request, CancellationToken cancellationToken)
    {
        Validate(request);
        if (request.DeduplicationKey is { } key)
        {
            var existing = db.Jobs.Local.FirstOrDefault(j => j.Kind == request.Kind && j.WorkspaceId == request.WorkspaceId && j.DeduplicationKey == key)
                ?? await db.Jobs.FirstOrDefaultAsync(j => j.Kind == request.Kind && j.WorkspaceId == request.WorkspaceId && j.DeduplicationKey == key, cancellationToken);
            if (existing is not null)
            {
                return existing;
            }
        }

        var now = time.GetUtcNow();
        var job = new Job
        {
            Id = PublicIds.NewEntityId(time),
            WorkspaceId = request.WorkspaceId,
            Kind = request.Kind,
            State = JobStates.Queued,
            Payload = request.Payload,
            DeduplicationKey = request.DeduplicationKey,
            NotBefore = request.NotBefore ?? now,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Jobs.Add(job);
        return job;
    }

    /// <summary>Adds a job in a write of its own and wakes this process's runner.</summary>
    public async Task<Job> EnqueueAsync(CellDatabase cell, JobRequest request, CancellationToken cancellationToken)
    {
        Validate(request);
        var job = await cell.Writer.WriteAsync((db, ct) => EnqueueAsync(db, request, ct), cancellationToken);
        Wake(cell);
        return job;
    }

    /// <summary>Starts this process's runner on the cell's due jobs now rather than at its next poll.</summary>
    public void Wake(CellDatabase cell) => signals.Wake(cell.Region);

    /// <summary>
    /// Cancels a queued or running job (of <paramref name="workspaceId"/> when given); false when
    /// there is no such job or it had already finished. A running job stops at its next step:
    /// that step's result is refused, as if the job had been taken over.
    /// </summary>
    public Task<bool> CancelAsync(CellDatabase cell, string jobId, string? workspaceId = null, CancellationToken cancellationToken = default) =>
        cell.Writer.WriteAsync(
            async (db, ct) =>
            {
                var now = time.GetUtcNow();
                var jobs = db.Jobs.Where(j => j.Id == jobId && (j.State == JobStates.Queued || j.State == JobStates.Running));
                if (workspaceId is not null)
                {
                    jobs = jobs.Where(j => j.WorkspaceId == workspaceId);
                }

                return await jobs.ExecuteUpdateAsync(
                    s => s.SetProperty(j => j.State, JobStates.Cancelled)
                        .SetProperty(j => j.LeaseOwner, (string?)null)
                        .SetProperty(j => j.LeaseExpiresAt, (DateTimeOffset?)null)
                        .SetProperty(j => j.CompletedAt, now)
                        .SetProperty(j => j.UpdatedAt, now),
                    ct) > 0;
            },
            cancellationToken);

    private static void Validate(JobRequest request)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(request.Kind);
        if (request.Kind.Length > 64 || request.DeduplicationKey is { Length: > 256 } || request.WorkspaceId is { Length: > 32 })
        {
            throw new ArgumentException("A job's kind is at most 64 characters, its deduplication key 256 and its workspace id 32.", nameof(request));
        }

        if (request.Payload is { } payload)
        {
            if (payload.Length > MaxPayloadLength)
            {
                throw new ArgumentException($"A job's payload is at most {MaxPayloadLength} characters: it holds ids, not data.", nameof(request));
            }

            // Written by code, not by a request: a malformed payload is a bug, found here rather than by the handler.
            using var _ = JsonDocument.Parse(payload);
        }
    }
}
