using Confide.Platform;

namespace Confide.Data.Model;

/// <summary>A teammate's note on a contact.</summary>
public sealed class Note
{
    [DataCategory(DataCategories.SystemOperations)]
    public required string Id { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string WorkspaceId { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string ContactId { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string AuthorId { get; init; }

    [DataCategory(DataCategories.UserNote)]
    public required string Body { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset CreatedAt { get; init; }
}
