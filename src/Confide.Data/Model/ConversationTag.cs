using Confide.Platform;

namespace Confide.Data.Model;

/// <summary>
/// A tag applied to a conversation, and who applied it. It goes with its conversation (the
/// contact's erasure, the retention rules, a deletion) and with its tag.
/// </summary>
public sealed class ConversationTag
{
    [DataCategory(DataCategories.SystemOperations)]
    public required string WorkspaceId { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string ConversationId { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string TagId { get; init; }

    /// <summary>The teammate the tag was applied as (Intercom's <c>applied_by</c>).</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string AppliedById { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset CreatedAt { get; init; }
}
