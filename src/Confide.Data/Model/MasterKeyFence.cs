using Confide.Platform;

namespace Confide.Data.Model;

/// <summary>
/// One row per region that orders writing new wrapped keys against a master-key rotation. A
/// write unit that stores a wrapped key first updates this row (taking its lock) and wraps only
/// then; the rotation marks the versions it will retire here before its scans. So a key wrapped
/// under an old version either committed before the mark (and the scans re-wrap it) or sees the
/// mark, never lands after the last scan. See docs/encryption.md.
/// </summary>
public sealed class MasterKeyFence
{
    [DataCategory(DataCategories.SystemOperations)]
    public required string Region { get; init; }

    /// <summary>Space-separated master key ids a rotation is retiring or has retired (the latest few).</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public string? RetiringMasterKeyIds { get; set; }

    /// <summary>Bumped by every write that takes the fence: the update is what takes the row lock.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public long Generation { get; set; }
}
