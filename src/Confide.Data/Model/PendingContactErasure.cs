using Confide.Platform;

namespace Confide.Data.Model;

/// <summary>
/// An erasure that was asked for and is not finished yet. Committed before the contact's key is
/// destroyed and deleted in the transaction that deletes the contact's rows, so a crash in
/// between leaves it behind, and the erasure sweep finishes the job (and logs it) on its own.
/// Holds who asked, for the activity-log entry; not their address, which the log seals.
/// </summary>
public sealed class PendingContactErasure
{
    [DataCategory(DataCategories.SystemOperations)]
    public required string ContactId { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string WorkspaceId { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required DateTimeOffset RequestedAt { get; init; }

    /// <summary><c>admin</c> or <c>system</c>, as in the activity log.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string ActorType { get; init; }

    /// <summary>The teammate's id, or the system actor's fixed name.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string ActorId { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string ActorVia { get; init; }

    /// <summary>The API token the erasure was asked with, if any.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public string? ActorTokenId { get; init; }

    /// <summary>
    /// The contact's key versions (comma-separated ids) as read before they were destroyed, for
    /// the erasure receipt: after a crash the key store no longer knows them.
    /// </summary>
    [DataCategory(DataCategories.SystemOperations)]
    public string? ContactKeyIds { get; init; }
}
