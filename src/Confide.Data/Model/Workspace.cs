using Confide.Platform;

namespace Confide.Data.Model;

/// <summary>A customer's workspace (Intercom's "app"). Lives in exactly one region for ever.</summary>
public sealed class Workspace
{
    [DataCategory(DataCategories.SystemOperations)]
    public required string Id { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string Region { get; init; }

    [DataCategory(DataCategories.WorkspaceSetting)]
    public required string Name { get; set; }

    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset CreatedAt { get; init; }
}
