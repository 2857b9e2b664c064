using Confide.Platform;

namespace Confide.Data.Model;

/// <summary>A group of teammates a conversation can be assigned to (Intercom's "team").</summary>
public sealed class Team
{
    [DataCategory(DataCategories.SystemOperations)]
    public required string Id { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string WorkspaceId { get; init; }

    /// <summary>A name the workspace gives, like "Billing"; unique in the workspace.</summary>
    [DataCategory(DataCategories.WorkspaceSetting)]
    public required string Name { get; set; }

    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>A teammate's membership of a team; it goes when the team or the teammate does.</summary>
public sealed class TeamMember
{
    [DataCategory(DataCategories.SystemOperations)]
    public required string WorkspaceId { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string TeamId { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string TeammateId { get; init; }
}
