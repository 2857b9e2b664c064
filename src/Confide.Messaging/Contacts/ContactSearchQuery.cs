using System.Linq.Expressions;
using System.Text.Json;
using Confide.Data;
using Confide.Data.Model;
using Confide.Messaging.Api;

namespace Confide.Messaging.Contacts;

/// <summary>
/// The fields of Intercom's contact search (<see cref="SearchQuery"/>). Personal fields are
/// matched through their lookup keys only, so they support equality operators alone: the same
/// rule holds once they are encrypted.
/// </summary>
internal sealed class ContactSearchQuery(LookupKeys lookup)
{
    public Expression<Func<Contact, bool>> Compile(JsonElement query) => SearchQuery.Compile(query, new SearchFields<Contact>()
        .Add("id", f => SearchFilters.Text<Contact>(f, c => c.Id))
        .Add("email", f => SearchFilters.Text<Contact>(f, c => c.EmailLookup, lookup.Email))
        .Add("external_id", f => SearchFilters.Text<Contact>(f, c => c.ExternalIdLookup, lookup.ExternalId))
        .Add("phone", f => SearchFilters.Text<Contact>(f, c => c.PhoneLookup, lookup.Phone))
        .Add("role", f => SearchFilters.Text<Contact>(f, c => c.Role))
        .Add("created_at", f => SearchFilters.Time<Contact, DateTimeOffset>(f, c => c.CreatedAt))
        .Add("updated_at", f => SearchFilters.Time<Contact, DateTimeOffset>(f, c => c.UpdatedAt))
        .Add("last_seen_at", f => SearchFilters.Time<Contact, DateTimeOffset?>(f, c => c.LastSeenAt))
        .Add("signed_up_at", f => SearchFilters.Time<Contact, DateTimeOffset?>(f, c => c.SignedUpAt))
        .Refuse("name", SearchQuery.EncryptedReason)
        .Refuse("custom_attributes.", SearchQuery.EncryptedReason));
}
