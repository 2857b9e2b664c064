using System.Text.Json;
using Confide.Crypto;
using Confide.Data.Model;
using Confide.Messaging.Api;

namespace Confide.Messaging.Visitors;

/// <summary>
/// Intercom's visitor object for a messenger visitor (a lead the messenger created for an
/// anonymous browser). Confide keeps only the keyed hash of the visitor's id, so <c>user_id</c> is
/// the one the request named, else the visitor's Confide id: either way a value that finds the
/// visitor again (<c>GET /visitors?user_id=</c> takes both). Fields Confide does not keep
/// (location, sessions, segments, social profiles) have their empty values.
/// </summary>
internal sealed record VisitorView(
    string Id,
    string UserId,
    string AppId,
    string Email,
    string? Phone,
    string? Name,
    long CreatedAt,
    long UpdatedAt,
    long? LastRequestAt,
    JsonElement CustomAttributes,
    VisitorTagListView Tags)
{
    public string Type { get; } = "visitor";

    /// <summary>Intercom lists full company objects here; a visitor's companies are read with <c>GET /contacts/{id}/companies</c>.</summary>
    public VisitorCompanyListView Companies { get; } = new([]);
    public bool Anonymous => Email.Length == 0;
    public string? Pseudonym { get; }
    public VisitorAvatarView Avatar { get; } = new();
    public IReadOnlyDictionary<string, object> LocationData { get; } = new Dictionary<string, object>();
    public long RemoteCreatedAt => CreatedAt;

    /// <summary>The description's (and the SDK's) spelling of <see cref="LastRequestAt"/>, which Intercom's examples use.</summary>
    public long? LasRequestAt => LastRequestAt;
    public long SignedUpAt => CreatedAt;
    public int SessionCount { get; }
    public VisitorSocialProfilesView SocialProfiles { get; } = new();
    public string? OwnerId { get; }
    public bool UnsubscribedFromEmails { get; }
    public bool MarkedEmailAsSpam { get; }
    public bool HasHardBounced { get; }
    public VisitorSegmentListView Segments { get; } = new();
    public string? Referrer { get; }
    public string? UtmCampaign { get; }
    public string? UtmContent { get; }
    public string? UtmMedium { get; }
    public string? UtmSource { get; }
    public string? UtmTerm { get; }
    public bool? DoNotTrack { get; }

    public static VisitorView From(Contact contact, ContactCipher cipher, string? userId, IReadOnlyList<(string Id, string Name)> tags)
    {
        using var attributes = JsonDocument.Parse(cipher.CustomAttributes(contact));
        return new VisitorView(
            contact.Id,
            userId ?? contact.Id,
            contact.WorkspaceId,
            cipher.Email(contact) ?? "",
            cipher.Phone(contact),
            cipher.Name(contact),
            Unix.Seconds(contact.CreatedAt),
            Unix.Seconds(contact.UpdatedAt),
            Unix.Seconds(contact.LastSeenAt),
            attributes.RootElement.Clone(),
            new VisitorTagListView([.. tags.Select(t => new VisitorTagView(t.Id, t.Name))]));
    }
}

internal sealed record VisitorAvatarView
{
    public string Type { get; } = "avatar";
    public string? ImageUrl { get; }
}

internal sealed record VisitorTagListView(IReadOnlyList<VisitorTagView> Tags)
{
    public string Type { get; } = "tag.list";
}

internal sealed record VisitorTagView(string Id, string Name)
{
    public string Type { get; } = "tag";
}

internal sealed record VisitorCompanyListView(IReadOnlyList<object> Companies)
{
    public string Type { get; } = "company.list";
}

internal sealed record VisitorSocialProfilesView
{
    public string Type { get; } = "social_profile.list";
    public IReadOnlyList<object> SocialProfiles { get; } = [];
}

internal sealed record VisitorSegmentListView
{
    public string Type { get; } = "segment.list";
    public IReadOnlyList<object> Segments { get; } = [];
}
