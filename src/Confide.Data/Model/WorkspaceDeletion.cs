using Confide.Platform;

namespace Confide.Data.Model;

/// <summary>
/// What is left of a deleted workspace, on purpose: the record of its deletion and, once the
/// purge has finished, the signed receipt (docs/privacy-operations.md, "Deleting a workspace";
/// ADR 0013). Written when the workspace's keys are destroyed and completed when its last row is
/// gone; it is not one of the workspace's rows (no foreign key), so it outlives them. It holds
/// ids, times and counts only, except <see cref="EncryptedNotice"/>, which is cleared once the
/// owners have been mailed.
/// </summary>
public sealed class WorkspaceDeletion
{
    /// <summary>The receipt's id.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string Id { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string WorkspaceId { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string Region { get; init; }

    /// <summary>When an owner scheduled the deletion.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required DateTimeOffset RequestedAt { get; init; }

    /// <summary>When the workspace keys were destroyed (the deletion took effect).</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required DateTimeOffset KeyDestroyedAt { get; init; }

    /// <summary>The destroyed workspace key versions' ids, comma-separated, sorted.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string DestroyedKeyIds { get; init; }

    /// <summary>How many contact key versions were destroyed with them.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required long ContactKeysDestroyed { get; init; }

    /// <summary>The leaf index of the <c>workspace_deletion_completed</c> entry, the log's last.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required long ActivityLogLeafIndex { get; init; }

    /// <summary>The activity log's size (entries) and Merkle root (hex) when it was closed, before it was purged.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public long? ActivityLogTreeSize { get; set; }

    [DataCategory(DataCategories.SystemOperations)]
    public string? ActivityLogRootHash { get; set; }

    /// <summary>Rows purged per table, as the canonical JSON object the receipt signs; null until the purge finished.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public string? Categories { get; set; }

    /// <summary>When the last row was purged; null while the purge runs.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>The region's activity-log signing key that signed the receipt; null until then.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public string? SigningKeyId { get; set; }

    /// <summary>ECDSA P-256 / SHA-256, DER, over the receipt's canonical JSON without the signature.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public byte[]? Signature { get; set; }

    /// <summary>
    /// The owners' addresses and the workspace's name, protected with the server's Data Protection
    /// keys, read before the workspace keys were destroyed so the receipt can be mailed; cleared
    /// once it has been.
    /// </summary>
    [DataCategory(DataCategories.EmployeeEmail)]
    public byte[]? EncryptedNotice { get; set; }
}
