using Confide.Platform;

namespace Confide.Data.Model;

/// <summary>
/// An end user (<c>user</c>) or visitor who wrote in (<c>lead</c>). Personal fields are stored
/// only encrypted under the contact's own key (<c>Encrypted*</c>, see docs/encryption.md);
/// equality lookups go through keyed hashes (<c>*Lookup</c>).
/// </summary>
public sealed class Contact
{
    [DataCategory(DataCategories.SystemOperations)]
    public required string Id { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string WorkspaceId { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string Role { get; set; }

    [DataCategory(DataCategories.UserId)]
    public byte[]? EncryptedExternalId { get; set; }

    [DataCategory(DataCategories.UserEmail)]
    public byte[]? EncryptedEmail { get; set; }

    [DataCategory(DataCategories.UserPhone)]
    public byte[]? EncryptedPhone { get; set; }

    [DataCategory(DataCategories.UserName)]
    public byte[]? EncryptedName { get; set; }

    /// <summary>Custom attributes as a JSON object; null means none.</summary>
    [DataCategory(DataCategories.UserCustom)]
    public byte[]? EncryptedCustomAttributes { get; set; }

    /// <summary>Equality-lookup key of the email; see <c>ILookupIndex</c>.</summary>
    [DataCategory(DataCategories.UserDerivedIndex)]
    public string? EmailLookup { get; set; }

    /// <summary>Equality-lookup key of the external id; see <c>ILookupIndex</c>.</summary>
    [DataCategory(DataCategories.UserDerivedIndex)]
    public string? ExternalIdLookup { get; set; }

    /// <summary>Equality-lookup key of the phone number; see <c>ILookupIndex</c>.</summary>
    [DataCategory(DataCategories.UserDerivedIndex)]
    public string? PhoneLookup { get; set; }

    /// <summary>
    /// Equality-lookup key of the messenger's random visitor id, for a lead who wrote from the
    /// website messenger without identifying; see <c>ILookupIndex</c>.
    /// </summary>
    [DataCategory(DataCategories.UserDerivedIndex)]
    public string? VisitorLookup { get; set; }

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

    /// <summary>
    /// Set when the contact's erasure was acknowledged: its key is destroyed and a purge job is
    /// deleting its rows. Such a contact is invisible to every query (a model-wide filter) until
    /// the purge deletes the row; only the purge reads it (<c>IgnoreQueryFilters</c>).
    /// </summary>
    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset? ErasureStartedAt { get; set; }

    public List<ContactTag> Tags { get; } = [];
}

public static class ContactRoles
{
    public const string User = "user";
    public const string Lead = "lead";

    public static bool IsValid(string? role) => role is User or Lead;
}
