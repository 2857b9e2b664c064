using Confide.Platform;

namespace Confide.Data.Model;

/// <summary>
/// One entry of a workspace's append-only activity log: leaf <see cref="Sequence"/> of the
/// workspace's Merkle tree. The entry itself (the exact bytes that were hashed) is stored sealed
/// under the workspace's workforce key, because it names teammates (email, IP address); the
/// clear columns are copies for filtering and are not trusted by verification.
/// </summary>
public sealed class ActivityLogEntry
{
    [DataCategory(DataCategories.SystemOperations)]
    public required string WorkspaceId { get; init; }

    /// <summary>0, 1, 2, … per workspace without gaps; the leaf index in the tree.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required long Sequence { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string Id { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required DateTimeOffset CreatedAt { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string ActivityType { get; init; }

    /// <summary><c>admin</c>, <c>system</c> or <c>staff</c>.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string ActorType { get; init; }

    /// <summary>The teammate's id for <c>admin</c> actors.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public string? ActorId { get; init; }

    /// <summary>SHA-256 of 0x00 and the entry's bytes (RFC 9162 leaf hash). The entry holds a random salt, so the hash reveals nothing of it.</summary>
    [DataCategory(DataCategories.SystemIntegrity)]
    public required byte[] LeafHash { get; init; }

    /// <summary>The entry's canonical JSON, sealed under the workforce key.</summary>
    [DataCategory(DataCategories.EmployeeActivity)]
    public required byte[] EncryptedEntry { get; init; }
}
