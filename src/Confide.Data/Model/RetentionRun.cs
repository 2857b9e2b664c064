using Confide.Platform;

namespace Confide.Data.Model;

/// <summary>
/// One retention sweep of a region (docs/retention.md): when it started and finished, how far
/// it got and what it deleted per rule. Ids, times and counts only.
/// </summary>
public sealed class RetentionRun
{
    [DataCategory(DataCategories.SystemOperations)]
    public required string Id { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string Region { get; init; }

    /// <summary>The <c>retention.sweep</c> job running it (the latest, when a paused run was resumed by another job).</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string JobId { get; set; }

    /// <summary>What started it: <c>schedule</c> or <c>manual</c>.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string Trigger { get; init; }

    /// <summary>The instant the run's cutoffs are measured from.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required DateTimeOffset StartedAt { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>See <see cref="RetentionRunStates"/>.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string State { get; set; }

    /// <summary>Items deleted so far per rule subject and per housekeeping name, as a JSON object.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public string Counts { get; set; } = "{}";

    /// <summary>Workspaces whose rules are done.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public long WorkspacesDone { get; set; }

    /// <summary>Workspaces passed over because a legal hold covers them.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public long WorkspacesHeld { get; set; }

    /// <summary>Where a paused run goes on: the job checkpoint it stopped at; null otherwise.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public string? Checkpoint { get; set; }
}

public static class RetentionRunStates
{
    public const string Running = "running";
    public const string Paused = "paused";
    public const string Completed = "completed";

    /// <summary>Not stored: shown for a run whose job failed or was cancelled before it finished.</summary>
    public const string Failed = "failed";
}
