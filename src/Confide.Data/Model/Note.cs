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

    /// <summary>Encrypted under the contact's key.</summary>
    [DataCategory(DataCategories.UserNote)]
    public required byte[] EncryptedBody { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset CreatedAt { get; init; }
}
