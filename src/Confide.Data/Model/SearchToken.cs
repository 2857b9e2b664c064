using Confide.Platform;

namespace Confide.Data.Model;

/// <summary>
/// One entry of the encrypted-field search index (ADR 0015): a keyed hash of a piece of a
/// personal value — a three-character gram, an anchored gram at its start or end, or the whole
/// normalised value — so a search can find candidates without the value. The field the value
/// belongs to is inside the hash, not beside it; the owner (a contact or a conversation) is
/// named, and the contact it is about, so the entries go with that contact's erasure.
/// </summary>
public sealed class SearchToken
{
    [DataCategory(DataCategories.SystemOperations)]
    public required string WorkspaceId { get; init; }

    /// <summary>
    /// What <see cref="OwnerId"/> names and which of its values the token is of: <see cref="SearchTokenKinds.Contact"/>,
    /// <see cref="SearchTokenKinds.Conversation"/> (subject, opening message) or <see cref="SearchTokenKinds.ConversationAttributes"/>.
    /// </summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string Kind { get; init; }

    /// <summary>The first 16 bytes of HMAC-SHA256 under the workspace's search key, base64url.</summary>
    [DataCategory(DataCategories.UserDerivedIndex)]
    public required string Token { get; init; }

    /// <summary>The contact or conversation whose value the token was computed from.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string OwnerId { get; init; }

    /// <summary>The contact the value is about: the owner itself, or the conversation's contact.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string ContactId { get; init; }
}

public static class SearchTokenKinds
{
    public const string Contact = "contact";
    public const string Conversation = "conversation";

    /// <summary>A conversation's custom attributes: replaced whenever they change, apart from its other tokens.</summary>
    public const string ConversationAttributes = "conv_attributes";
}
