using System.Text.Json;
using Confide.Crypto;
using Confide.Data.Model;
using Confide.Messaging.Api;
using Confide.Messaging.Companies;

namespace Confide.Messaging.Contacts;

/// <summary>The Intercom v2 contact object (the fields Confide stores, the rest as their empty values).</summary>
internal sealed record ContactView(
    string Id,
    string WorkspaceId,
    string? ExternalId,
    string Role,
    string? Email,
    string? Phone,
    string? Name,
    long CreatedAt,
    long UpdatedAt,
    long? SignedUpAt,
    long? LastSeenAt,
    bool Archived,
    JsonElement CustomAttributes,
    ListView<TagRefView> Tags,
    ListView<object> Notes,
    ListView<object> Companies)
{
    public string Type { get; } = "contact";
    public object? Avatar { get; }
    public string? OwnerId { get; }
    public ListView<object> SocialProfiles { get; } = ListView<object>.Empty(null);
    public bool HasHardBounced { get; }
    public bool MarkedEmailAsSpam { get; }
    public bool UnsubscribedFromEmails { get; }
    public long? LastRepliedAt { get; }
    public long? LastContactedAt { get; }
    public long? LastEmailOpenedAt { get; }
    public long? LastEmailClickedAt { get; }
    public string? LanguageOverride { get; }
    public string? Browser { get; }
    public string? BrowserVersion { get; }
    public string? BrowserLanguage { get; }
    public string? Os { get; }
    public LocationView Location { get; } = new();

    /// <param name="companyIds">The contact's companies in the order they were attached; the first ten are listed.</param>
    public static ContactView From(Contact contact, ContactCipher cipher, IReadOnlyList<string> tagIds, IReadOnlyList<string>? companyIds = null)
    {
        companyIds ??= [];
        using var attributes = JsonDocument.Parse(cipher.CustomAttributes(contact));
        return new ContactView(
            contact.Id,
            contact.WorkspaceId,
            cipher.ExternalId(contact),
            contact.Role,
            cipher.Email(contact),
            cipher.Phone(contact),
            cipher.Name(contact),
            Unix.Seconds(contact.CreatedAt),
            Unix.Seconds(contact.UpdatedAt),
            Unix.Seconds(contact.SignedUpAt),
            Unix.Seconds(contact.LastSeenAt),
            contact.Archived,
            attributes.RootElement.Clone(),
            new ListView<TagRefView>([.. tagIds.Select(id => new TagRefView(id, $"/tags/{id}"))], $"/contacts/{contact.Id}/tags", tagIds.Count, false),
            ListView<object>.Empty($"/contacts/{contact.Id}/notes"),
            new ListView<object>(
                [.. companyIds.Take(CompanyQueries.ContactListed).Select(id => (object)new CompanyRefView(id, $"/companies/{id}"))],
                $"/contacts/{contact.Id}/companies", companyIds.Count, companyIds.Count > CompanyQueries.ContactListed));
    }
}

internal sealed record TagRefView(string Id, string Url)
{
    public string Type { get; } = "tag";
}

internal sealed record LocationView
{
    public string Type { get; } = "location";
    public string? Country { get; }
    public string? Region { get; }
    public string? City { get; }
}

internal sealed record ListView<T>(IReadOnlyList<T> Data, string? Url, int TotalCount, bool HasMore)
{
    public string Type { get; } = "list";

    public static ListView<T> Empty(string? url) => new([], url, 0, false);
}

internal sealed record ContactDeletedView(string Id, string? ExternalId, bool Deleted)
{
    public string Type { get; } = "contact";
}

internal sealed record ContactArchivedView(string Id, string? ExternalId, bool Archived)
{
    public string Type { get; } = "contact";
}

internal sealed record ContactListView(IReadOnlyList<ContactView> Data, int TotalCount, PagesView Pages)
{
    public string Type { get; } = "list";
}
