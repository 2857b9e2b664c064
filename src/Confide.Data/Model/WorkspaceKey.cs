using Confide.Platform;

namespace Confide.Data.Model;

/// <summary>
/// A workspace data key, stored only wrapped by the region's master key. <see cref="Purpose"/>
/// says what it keys (<see cref="WorkspaceKeyPurposes"/>); versions let keys rotate.
/// </summary>
public sealed class WorkspaceKey
{
    /// <summary>The key id, also written into everything the key produces.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required Guid Id { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string WorkspaceId { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string Purpose { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public int Version { get; init; }

    /// <summary>The data key wrapped by the master key <see cref="MasterKeyId"/>.</summary>
    [DataCategory(DataCategories.SystemKeyMaterial)]
    public required byte[] WrappedKey { get; set; }

    [DataCategory(DataCategories.SystemOperations)]
    public required Guid MasterKeyId { get; set; }

    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset CreatedAt { get; init; }
}

public static class WorkspaceKeyPurposes
{
    /// <summary>HMAC key of the blind indexes (equality lookups on encrypted fields).</summary>
    public const string LookupIndex = "lookup-index";

    /// <summary>Wraps the workspace's contact keys.</summary>
    public const string Data = "data";

    /// <summary>Seals teammates' personal fields.</summary>
    public const string Workforce = "workforce";
}
