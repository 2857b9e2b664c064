using System.Text.Json;

namespace Confide.Messaging.Contacts;

/// <summary>Body of <c>POST /contacts</c> and <c>PUT /contacts/{id}</c>; absent fields stay unchanged on update.</summary>
internal sealed record ContactInput(
    string? Role,
    string? ExternalId,
    string? Email,
    string? Phone,
    string? Name,
    string? Avatar,
    long? SignedUpAt,
    long? LastSeenAt,
    string? OwnerId,
    bool? UnsubscribedFromEmails,
    JsonElement? CustomAttributes);
