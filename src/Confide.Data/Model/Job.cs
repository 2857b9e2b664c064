using Confide.Platform;

namespace Confide.Data.Model;

/// <summary>
/// A durable background job of a cell (an export, a purge, a retention run...): a row that says
/// what to do (<see cref="Kind"/>, <see cref="Payload"/>), how far it got (<see cref="Checkpoint"/>,
/// progress) and who runs it now (a lease). See docs/jobs.md and <c>Confide.Data.Jobs</c>.
/// The workspace id is a plain reference, not a foreign key: a job that purges a deleted
/// workspace's rows must outlive them.
/// </summary>
public sealed class Job
{
    [DataCategory(DataCategories.SystemOperations)]
    public required string Id { get; init; }

    /// <summary>The workspace the job works on; null for a job of the whole cell.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public string? WorkspaceId { get; init; }

    /// <summary>Which handler runs it (e.g. <c>privacy.export</c>).</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string Kind { get; init; }

    /// <summary>One of <see cref="JobStates"/>.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string State { get; set; }

    /// <summary>
    /// What to do, as JSON written by the code that enqueued the job. Ids only: never personal
    /// data in clear (no email address, name or message text), because job rows are listed to
    /// operators and outlive erasures.
    /// </summary>
    [DataCategory(DataCategories.SystemOperations)]
    public string? Payload { get; init; }

    /// <summary>Opaque JSON the handler wrote with its last committed step; a resumed job starts from it. Ids only, as the payload.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public string? Checkpoint { get; set; }

    [DataCategory(DataCategories.SystemOperations)]
    public long ProgressDone { get; set; }

    /// <summary>The amount of work in all, when the handler knows it.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public long? ProgressTotal { get; set; }

    /// <summary>How many times a runner has claimed it (a crash, a retry or a takeover each count).</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public int Attempts { get; set; }

    /// <summary>The runner that holds the job while it is running (see <c>JobRunner.Owner</c>).</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public string? LeaseOwner { get; set; }

    /// <summary>Past this instant another runner may take the running job over (its runner is presumed dead).</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset? LeaseExpiresAt { get; set; }

    /// <summary>A queued job is not claimed before this instant (a delayed job, or a retry's backoff).</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset NotBefore { get; set; }

    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset CreatedAt { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>When it reached completed, failed or cancelled.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>A classified code (e.g. <c>unavailable:postgres:08006</c>, <c>unexpected:InvalidOperationException</c>), never an exception's text.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public string? LastError { get; set; }

    /// <summary>
    /// Names one logical job for ever: enqueuing a job whose (workspace, kind, key) exists returns
    /// the existing one, whatever its state. Ids only, as the payload.
    /// </summary>
    [DataCategory(DataCategories.SystemOperations)]
    public string? DeduplicationKey { get; init; }
}

/// <summary>The states of a <see cref="Job"/>: queued → running → completed | failed; queued or running → cancelled.</summary>
public static class JobStates
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static IReadOnlyList<string> All { get; } = [Queued, Running, Completed, Failed, Cancelled];

    public static bool IsFinished(string state) => state is Completed or Failed or Cancelled;
}
