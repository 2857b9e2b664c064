using Confide.Platform;

namespace Confide.Data.Model;

/// <summary>A role a workspace defines for itself from the granular permissions. A teammate's <c>Role</c> holds its id.</summary>
public sealed class WorkspaceRole
{
    [DataCategory(DataCategories.SystemOperations)]
    public required string Id { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string WorkspaceId { get; init; }

    [DataCategory(DataCategories.WorkspaceSetting)]
    public required string Name { get; set; }

    /// <summary>Space-separated permission names.</summary>
    [DataCategory(DataCategories.WorkspaceSetting)]
    public required string Permissions { get; set; }

    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset CreatedAt { get; init; }
}
