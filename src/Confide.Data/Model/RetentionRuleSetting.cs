using Confide.Platform;

namespace Confide.Data.Model;

/// <summary>
/// A workspace's setting of one retention rule (docs/retention.md). No row means the rule's
/// default: a built-in rule on with its default period, any other rule off.
/// </summary>
public sealed class RetentionRuleSetting
{
    [DataCategory(DataCategories.SystemOperations)]
    public required string WorkspaceId { get; init; }

    /// <summary>The rule's subject (<c>visitor</c>, <c>closed_conversation</c>, …).</summary>
    [DataCategory(DataCategories.WorkspaceSetting)]
    public required string Subject { get; init; }

    /// <summary>Days after which the rule's items are deleted.</summary>
    [DataCategory(DataCategories.WorkspaceSetting)]
    public int AfterDays { get; set; }

    [DataCategory(DataCategories.WorkspaceSetting)]
    public bool Enabled { get; set; }

    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Who changed it last: an activity actor's type and id.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string UpdatedByType { get; set; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string UpdatedById { get; set; }
}
