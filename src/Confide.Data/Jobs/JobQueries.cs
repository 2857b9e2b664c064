using Confide.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace Confide.Data.Jobs;

/// <summary>What a job list shows: state, progress and times; never the payload or checkpoint.</summary>
public sealed record JobSummary(
    string Id,
    string? WorkspaceId,
    string Kind,
    string State,
    long ProgressDone,
    long? ProgressTotal,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset NotBefore,
    DateTimeOffset? CompletedAt,
    string? LeaseOwner,
    DateTimeOffset? LeaseExpiresAt,
    string? LastError);

/// <param name="WorkspaceId">Only this workspace's jobs (the privacy centre); null for all of the cell's.</param>
/// <param name="State">Only jobs in this state (<see cref="JobStates"/>).</param>
/// <param name="Kind">Only jobs of this kind.</param>
/// <param name="Limit">At most this many, newest first.</param>
public sealed record JobFilter(string? WorkspaceId = null, string? State = null, string? Kind = null, int Limit = 100);

/// <summary>Reads of the job table, for <c>confide jobs list</c> and the web app.</summary>
public static class JobQueries
{
    public static async Task<IReadOnlyList<JobSummary>> ListAsync(CellDatabase cell, JobFilter filter, CancellationToken cancellationToken)
    {
        await using var db = cell.CreateReadContext();
        var jobs = db.Jobs.AsQueryable();
        if (filter.WorkspaceId is { } workspaceId)
        {
            jobs = jobs.Where(j => j.WorkspaceId == workspaceId);
        }

        if (filter.State is { } state)
        {
            jobs = jobs.Where(j => j.State == state);
        }

        if (filter.Kind is { } kind)
        {
            jobs = jobs.Where(j => j.Kind == kind);
        }

        return await Summaries(jobs.OrderByDescending(j => j.Id).Take(Math.Clamp(filter.Limit, 1, 1000))).ToListAsync(cancellationToken);
    }

    /// <summary>One job, of <paramref name="workspaceId"/> when given; null when there is none.</summary>
    public static async Task<JobSummary?> GetAsync(CellDatabase cell, string jobId, string? workspaceId, CancellationToken cancellationToken)
    {
        await using var db = cell.CreateReadContext();
        var jobs = db.Jobs.Where(j => j.Id == jobId);
        if (workspaceId is not null)
        {
            jobs = jobs.Where(j => j.WorkspaceId == workspaceId);
        }

        return await Summaries(jobs).FirstOrDefaultAsync(cancellationToken);
    }

    private static IQueryable<JobSummary> Summaries(IQueryable<Job> jobs) => jobs.Select(j => new JobSummary(
        j.Id, j.WorkspaceId, j.Kind, j.State, j.ProgressDone, j.ProgressTotal, j.Attempts,
        j.CreatedAt, j.UpdatedAt, j.NotBefore, j.CompletedAt, j.LeaseOwner, j.LeaseExpiresAt, j.LastError));
}
