using Confide.Platform;

namespace Confide.Data.Model;

/// <summary>
/// An erasure that was acknowledged and whose purge has not finished yet. Committed with the
/// erasure's activity-log entry before the contact's key is destroyed, and deleted with the
/// contact row by the purge's last step. Holds who asked and what the receipt needs; not the
/// asker's address, which the log seals.
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

    /// <summary>
    /// The sequence of the <c>contact_deletion</c> entry written with this record (the receipt's
    /// leaf index); null for a record written before erasures were logged when acknowledged.
    /// </summary>
    [DataCategory(DataCategories.SystemOperations)]
    public long? LogEntry { get; set; }
}
