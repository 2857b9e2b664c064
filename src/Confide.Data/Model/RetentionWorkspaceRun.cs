using Confide.Platform;

namespace Confide.Data.Model;

/// <summary>What one retention run did in one workspace: counts per rule and the activity entry that records it.</summary>
public sealed class RetentionWorkspaceRun
{
    [DataCategory(DataCategories.SystemOperations)]
    public required string WorkspaceId { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string RunId { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required DateTimeOffset StartedAt { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required DateTimeOffset FinishedAt { get; init; }

    /// <summary>Items deleted per rule subject, and each rule's period, as a JSON object <c>{"visitor":{"after_days":270,"deleted":3}}</c>.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string Counts { get; init; }

    /// <summary>The id of the workspace's <c>retention_run</c> activity entry.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string ActivityEntryId { get; init; }

    /// <summary>That entry's leaf index in the workspace's activity log.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required long ActivityLogLeafIndex { get; init; }

    /// <summary>The region's activity-log signing key that signed the run's receipt.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string SigningKeyId { get; init; }

    /// <summary>ECDSA P-256 / SHA-256, DER, over the receipt's canonical JSON without the signature (docs/retention.md).</summary>
    [DataCategory(DataCategories.SystemIntegrity)]
    public required byte[] Signature { get; init; }
}
