using System.Linq.Expressions;
using System.Text.Json;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Messaging.Api;
using Confide.Messaging.Search;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Contacts;

/// <summary>
/// The fields of Intercom's contact search (<see cref="SearchQuery"/>). Identifiers stored only
/// encrypted are matched through their lookup keys (equality); the name, the email's text and the
/// custom attributes through the encrypted-field search index (<see cref="EncryptedSearch"/>,
/// ADR 0015), which decrypts its candidates so that only true matches are returned.
/// </summary>
internal sealed class ContactSearchQuery(LookupKeys lookup, EncryptedSearch search, CellDatabase cell, string workspaceId)
{
    public Task<Expression<Func<Contact, bool>>> CompileAsync(JsonElement query, CancellationToken ct)
    {
        var name = Field(SearchIndex.Name, (cipher, contact) => cipher.Name(contact));
        var email = Field(SearchIndex.Email, (cipher, contact) => cipher.Email(contact));
        return SearchQuery.CompileAsync(query, new SearchFields<Contact>()
            .Add("id", f => SearchFilters.Text<Contact>(f, c => c.Id))
            .AddResolved("email", search.Resolver<Contact>(cell, workspaceId, lookup, _ => email, c => c.Id,
                nulls: c => c.EmailLookup == null,
                equality: f => f.Operator is "=" or "!=" or "IN" or "NIN" ? SearchFilters.Text<Contact>(f, c => c.EmailLookup, lookup.Email) : null))
            .Add("external_id", f => SearchFilters.Text<Contact>(f, c => c.ExternalIdLookup, lookup.ExternalId))
            .Add("phone", f => SearchFilters.Text<Contact>(f, c => c.PhoneLookup, lookup.Phone))
            .AddResolved("name", search.Resolver<Contact>(cell, workspaceId, lookup, _ => name, c => c.Id, nulls: c => c.EncryptedName == null))
            .Add("role", f => SearchFilters.Text<Contact>(f, c => c.Role))
            .Add("created_at", f => SearchFilters.Time<Contact, DateTimeOffset>(f, c => c.CreatedAt))
            .Add("updated_at", f => SearchFilters.Time<Contact, DateTimeOffset>(f, c => c.UpdatedAt))
            .Add("last_seen_at", f => SearchFilters.Time<Contact, DateTimeOffset?>(f, c => c.LastSeenAt))
            .Add("signed_up_at", f => SearchFilters.Time<Contact, DateTimeOffset?>(f, c => c.SignedUpAt))
            .AddResolved(SearchIndex.CustomAttributePrefix, search.Resolver<Contact>(cell, workspaceId, lookup, CustomAttribute, c => c.Id)), ct);
    }

    /// <summary><c>custom_attributes.&lt;name&gt;</c>: text, numbers and booleans by equality, text also by <c>~</c>, <c>^</c>, <c>$</c>.</summary>
    private EncryptedSearch.EncryptedField CustomAttribute(SearchFilter filter)
    {
        var attribute = filter.Field[SearchIndex.CustomAttributePrefix.Length..];
        return Field(filter.Field, (cipher, contact) =>
        {
            using var attributes = JsonDocument.Parse(cipher.CustomAttributes(contact));
            return attributes.RootElement.TryGetProperty(attribute, out var value) ? SearchIndex.AttributeValue(value) : null;
        }, scalars: true);
    }

    /// <summary>A contact field whose candidates are read and decrypted a chunk at a time; an erased contact has no value.</summary>
    private EncryptedSearch.EncryptedField Field(string field, Func<ContactCipher, Contact, string?> value, bool scalars = false) =>
        new(SearchTokenKinds.Contact, field, async (db, ids, ct) =>
        {
            var contacts = await db.Contacts.InWorkspace(workspaceId).Where(c => ids.Contains(c.Id)).ToListAsync(ct);
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var contact in contacts)
            {
                if (await search.CipherAsync(cell, workspaceId, contact.Id, ct) is { } cipher && value(cipher, contact) is { } plaintext)
                {
                    values[contact.Id] = plaintext;
                }
            }

            return values;
        }, scalars);
}
