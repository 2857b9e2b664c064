using Confide.Platform;

namespace Confide.Data.Model;

public sealed class Tag
{
    [DataCategory(DataCategories.SystemOperations)]
    public required string Id { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string WorkspaceId { get; init; }

    [DataCategory(DataCategories.WorkspaceSetting)]
    public required string Name { get; set; }

    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>A tag applied to a contact.</summary>
public sealed class ContactTag
{
    [DataCategory(DataCategories.SystemOperations)]
    public required string WorkspaceId { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string ContactId { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string TagId { get; init; }

    /// <summary>When the tag was applied (Intercom's <c>applied_at</c>).</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>The teammate whose request applied the tag (Intercom's <c>applied_by</c>); null for tags applied before it was recorded.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public string? AppliedById { get; init; }
}
