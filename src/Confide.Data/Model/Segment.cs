using Confide.Platform;

namespace Confide.Data.Model;

/// <summary>
/// A saved filter of the workspace's contacts (Intercom's segments): a name and a query in
/// Intercom's search language. Which contacts belong to it is not stored: it is worked out from
/// the query when read, so an erased contact is never in a segment. The query may name people
/// (an email in a filter), so it is stored only sealed under the workspace key.
/// </summary>
public sealed class Segment
{
    [DataCategory(DataCategories.SystemOperations)]
    public required string Id { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string WorkspaceId { get; init; }

    [DataCategory(DataCategories.WorkspaceSetting)]
    public required string Name { get; set; }

    /// <summary>Which contacts it holds: <c>user</c> (users) or <c>contact</c> (leads), Intercom's <c>person_type</c>.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string PersonType { get; set; }

    /// <summary>The search query (JSON), sealed under the workspace key.</summary>
    [DataCategory(DataCategories.WorkspaceSetting)]
    public required byte[] EncryptedQuery { get; set; }

    /// <summary>The teammate who created it.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public string? AdminId { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset CreatedAt { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset UpdatedAt { get; set; }
}

public static class SegmentPersonTypes
{
    public const string User = "user";
    public const string Lead = "contact";
}
