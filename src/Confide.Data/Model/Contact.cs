using Confide.Platform;

namespace Confide.Data.Model;

/// <summary>An end user (<c>user</c>) or visitor who wrote in (<c>lead</c>).</summary>
public sealed class Contact
{
    [DataCategory(DataCategories.SystemOperations)]
    public required string Id { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string WorkspaceId { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string Role { get; set; }

    [DataCategory(DataCategories.UserId)]
    public string? ExternalId { get; set; }

    [DataCategory(DataCategories.UserEmail)]
    public string? Email { get; set; }

    [DataCategory(DataCategories.UserPhone)]
    public string? Phone { get; set; }

    [DataCategory(DataCategories.UserName)]
    public string? Name { get; set; }

    /// <summary>Custom attributes as a JSON object.</summary>
    [DataCategory(DataCategories.UserCustom)]
    public string CustomAttributesJson { get; set; } = "{}";

    /// <summary>Equality-lookup key for <see cref="Email"/>; see <c>ILookupIndex</c>.</summary>
    [DataCategory(DataCategories.UserDerivedIndex)]
    public string? EmailLookup { get; set; }

    /// <summary>Equality-lookup key for <see cref="ExternalId"/>; see <c>ILookupIndex</c>.</summary>
    [DataCategory(DataCategories.UserDerivedIndex)]
    public string? ExternalIdLookup { get; set; }

    [DataCategory(DataCategories.UserBehavior)]
    public DateTimeOffset? LastSeenAt { get; set; }

    [DataCategory(DataCategories.UserBehavior)]
    public DateTimeOffset? SignedUpAt { get; set; }

    [DataCategory(DataCategories.SystemOperations)]
    public bool Archived { get; set; }

    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset CreatedAt { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset UpdatedAt { get; set; }

    public List<ContactTag> Tags { get; } = [];
}

public static class ContactRoles
{
    public const string User = "user";
    public const string Lead = "lead";

    public static bool IsValid(string? role) => role is User or Lead;
}
