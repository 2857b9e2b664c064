using Confide.Platform;

namespace Confide.Data.Model;

/// <summary>
/// A signed tree head of a workspace's activity log: the Merkle root over its first
/// <see cref="TreeSize"/> entries, signed with the region's activity-log signing key.
/// </summary>
public sealed class ActivityLogCheckpoint
{
    [DataCategory(DataCategories.SystemOperations)]
    public required string WorkspaceId { get; init; }

    [DataCategory(DataCategories.SystemIntegrity)]
    public required long TreeSize { get; init; }

    [DataCategory(DataCategories.SystemIntegrity)]
    public required byte[] RootHash { get; init; }

    /// <summary>
    /// The roots of the perfect subtrees the tree of this size decomposes into, largest first,
    /// concatenated: the next checkpoint continues from them without reading older entries.
    /// </summary>
    [DataCategory(DataCategories.SystemIntegrity)]
    public required byte[] Frontier { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required DateTimeOffset CreatedAt { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string KeyId { get; init; }

    [DataCategory(DataCategories.SystemIntegrity)]
    public required byte[] Signature { get; init; }
}
