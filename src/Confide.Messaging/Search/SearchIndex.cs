using System.Text.Json;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Search;

/// <summary>
/// The searchable encrypted fields (ADR 0015) and the tokens each value stands for. Tokens are
/// written in the transaction that writes the value: a contact's are replaced whole whenever the
/// contact is written; a conversation's subject and opening message, which never change, once;
/// a conversation's custom attributes (their own kind of token, so they are replaced apart from
/// the rest) whenever they change.
/// </summary>
internal static class SearchIndex
{
    public const string Name = "name";
    public const string Email = "email";
    public const string CustomAttributePrefix = "custom_attributes.";
    public const string Body = "source.body";
    public const string Subject = "source.subject";

    /// <summary>How many characters of a field's value are indexed (and can be found by <c>~</c>, <c>^</c>, <c>$</c>).</summary>
    public static int MaxLength(string field) => field == Body ? SearchText.MaxIndexedLength : SearchText.MaxIndexedShortLength;

    /// <summary>The tokens of a value: its whole normalised value, and its grams when it is text.</summary>
    public static IEnumerable<string> Tokens(LookupKeys keys, string field, string normalized, bool grams = true)
    {
        yield return keys.SearchToken(SearchText.ExactKind, field, normalized);
        if (grams)
        {
            foreach (var gram in SearchText.Grams(normalized, MaxLength(field)))
            {
                yield return keys.SearchToken(SearchText.GramKind, field, gram);
            }
        }
    }

    /// <summary>
    /// A custom attribute's value as its exact token names it: normalised text, a number in its
    /// shortest form, <c>true</c> or <c>false</c>; null for null (nothing is indexed).
    /// </summary>
    public static string? AttributeValue(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => SearchText.Normalize(value.GetString()!),
        JsonValueKind.Number => SearchText.CanonicalNumber(value.GetRawText()) ?? value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };

    /// <summary>Every token of a contact's searchable fields, from their plaintext.</summary>
    public static List<SearchToken> ForContact(LookupKeys keys, Contact contact, string? name, string? email, string customAttributesJson)
    {
        var tokens = new HashSet<string>(StringComparer.Ordinal) { keys.SearchToken(SearchText.MarkerKind, "", "") };
        if (name is not null)
        {
            tokens.UnionWith(Tokens(keys, Name, SearchText.Normalize(name)));
        }

        if (email is not null)
        {
            tokens.UnionWith(Tokens(keys, Email, SearchText.Normalize(email)));
        }

        tokens.UnionWith(AttributeTokens(keys, customAttributesJson));
        return [.. tokens.Select(token => new SearchToken
        {
            WorkspaceId = contact.WorkspaceId, Kind = SearchTokenKinds.Contact, Token = token, OwnerId = contact.Id, ContactId = contact.Id,
        })];
    }

    /// <summary>The tokens of a set of custom attributes (a JSON object of flat values): text, numbers and booleans; nulls give none.</summary>
    private static List<string> AttributeTokens(LookupKeys keys, string customAttributesJson)
    {
        using var attributes = JsonDocument.Parse(customAttributesJson);
        var tokens = new List<string>();
        foreach (var attribute in attributes.RootElement.EnumerateObject())
        {
            if (AttributeValue(attribute.Value) is { } value)
            {
                tokens.AddRange(Tokens(keys, CustomAttributePrefix + attribute.Name, value, grams: attribute.Value.ValueKind == JsonValueKind.String));
            }
        }

        return tokens;
    }

    /// <summary>
    /// The rows of a conversation's custom attributes: the marker (the conversation's attributes
    /// are indexed, even when none of them gives a token) and each attribute's tokens.
    /// </summary>
    public static List<SearchToken> ForConversationAttributes(LookupKeys keys, Conversation conversation, string customAttributesJson)
    {
        var tokens = new HashSet<string>(StringComparer.Ordinal) { keys.SearchToken(SearchText.MarkerKind, "", "") };
        tokens.UnionWith(AttributeTokens(keys, customAttributesJson));
        return [.. tokens.Select(token => new SearchToken
        {
            WorkspaceId = conversation.WorkspaceId, Kind = SearchTokenKinds.ConversationAttributes, Token = token, OwnerId = conversation.Id, ContactId = conversation.ContactId,
        })];
    }

    /// <summary>
    /// Replaces a conversation's custom-attribute tokens with those of <paramref name="customAttributesJson"/>,
    /// inside the writer's transaction (the delete runs at once, the inserts with the save); its
    /// subject's and opening message's tokens stay.
    /// </summary>
    public static async Task ReplaceForConversationAttributesAsync(ConfideDbContext db, LookupKeys keys, Conversation conversation, string customAttributesJson, CancellationToken ct)
    {
        await db.SearchTokens.Where(t => t.WorkspaceId == conversation.WorkspaceId && t.ContactId == conversation.ContactId && t.OwnerId == conversation.Id
                && t.Kind == SearchTokenKinds.ConversationAttributes)
            .ExecuteDeleteAsync(ct);
        db.SearchTokens.AddRange(ForConversationAttributes(keys, conversation, customAttributesJson));
    }

    /// <summary>Every token of a conversation's subject and opening message.</summary>
    public static HashSet<string> ConversationTokens(LookupKeys keys, string? subject, string? body)
    {
        var tokens = new HashSet<string>(StringComparer.Ordinal);
        if (subject is not null)
        {
            tokens.UnionWith(Tokens(keys, Subject, SearchText.Normalize(subject)));
        }

        if (body is not null)
        {
            tokens.UnionWith(Tokens(keys, Body, SearchText.Normalize(body)));
        }

        return tokens;
    }

    /// <summary>The rows of a conversation's tokens.</summary>
    public static IEnumerable<SearchToken> Rows(IEnumerable<string> tokens, Conversation conversation) => tokens.Select(token => new SearchToken
    {
        WorkspaceId = conversation.WorkspaceId, Kind = SearchTokenKinds.Conversation, Token = token, OwnerId = conversation.Id, ContactId = conversation.ContactId,
    });

    /// <summary>
    /// Replaces a contact's own tokens with those of its current values, inside the writer's
    /// transaction (the delete runs at once, the inserts with the contact's save).
    /// </summary>
    public static async Task ReplaceForContactAsync(ConfideDbContext db, LookupKeys keys, ContactCipher cipher, Contact contact, CancellationToken ct)
    {
        await db.SearchTokens.Where(t => t.WorkspaceId == contact.WorkspaceId && t.ContactId == contact.Id && t.OwnerId == contact.Id)
            .ExecuteDeleteAsync(ct);
        db.SearchTokens.AddRange(ForContact(keys, cipher, contact));
    }

    /// <summary>Every token of a contact's searchable fields, from its sealed values.</summary>
    public static List<SearchToken> ForContact(LookupKeys keys, ContactCipher cipher, Contact contact) =>
        ForContact(keys, contact, cipher.Name(contact), cipher.Email(contact), cipher.CustomAttributes(contact));
}
