using Confide.Platform;

namespace Confide.Data.Model;

/// <summary>
/// A contact key version that a rotation or an erasure is retiring: no write may store a value
/// sealed under it any more (see <see cref="SealedKeyFence"/>). Rows stay for a while after the
/// version is destroyed, so a process still holding it in memory is refused, not obeyed.
/// </summary>
public sealed class RetiringKey
{
    [DataCategory(DataCategories.SystemOperations)]
    public required Guid KeyId { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required DateTimeOffset Since { get; init; }
}
