using System.Net;
using Confide.Data;
using Confide.Data.Model;
using Confide.Identity;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Privacy.Requests;

/// <summary>
/// Finds the subject of a request among the workspace's contacts — users, leads and messenger
/// visitors alike — by the identifier they gave, through the blind indexes: the identifier is
/// never compared or stored in clear.
/// </summary>
public sealed class PrivacyRequestSubjects(ILookupIndex lookup)
{
    /// <param name="Identifier">The identifier as given (normalised by trimming), to seal for correspondence; null for a contact id.</param>
    /// <param name="Lookup">Its keyed hash; null for a contact id.</param>
    public sealed record Subject(string IdentifierType, string? Identifier, string? Lookup, string? ContactId);

    /// <summary>
    /// The subject <paramref name="input"/> names. A contact id that is not one of this
    /// workspace's contacts is a 404; so is an identifier no contact has, unless the caller asked
    /// to record the request anyway. Messages name the kind of identifier, never its value.
    /// </summary>
    public async Task<Subject> FindAsync(CellDatabase cell, string workspaceId, PrivacyRequestInput input, CancellationToken ct)
    {
        var given = new (string Type, string? Value)[]
        {
            (PrivacyRequestFields.Email, input.Email), (PrivacyRequestFields.ExternalId, input.ExternalId),
            (PrivacyRequestFields.Phone, input.Phone), (PrivacyRequestFields.ContactId, input.ContactId),
        }.Where(g => g.Value is not null).ToList();
        if (given.Count != 1)
        {
            throw new ConfideException(ConfideError.ParameterInvalid("Name the subject with exactly one of email, external_id, phone or contact_id"));
        }

        var (type, raw) = given[0];
        var value = raw!.Trim();
        await using var db = cell.CreateReadContext();
        var contacts = db.Contacts.Where(c => c.WorkspaceId == workspaceId);
        if (type == PrivacyRequestFields.ContactId)
        {
            var found = PublicIds.IsEntityId(value) && await contacts.AnyAsync(c => c.Id == value, ct);
            return found ? new Subject(type, null, null, value) : throw new ConfideException(ConfideError.NotFound("Contact"));
        }

        var keys = await lookup.ForWorkspaceAsync(cell, workspaceId, ct);
        var (key, matches) = type switch
        {
            PrivacyRequestFields.Email => Email(keys, value, contacts),
            PrivacyRequestFields.ExternalId => Bounded(keys.ExternalId, value, "external_id", 255, k => contacts.Where(c => c.ExternalIdLookup == k)),
            _ => Bounded(keys.Phone, value, "phone", 64, k => contacts.Where(c => c.PhoneLookup == k)),
        };
        // One person may be a user and also a lead with the same email: the user is the subject
        // the request names; the others share the keyed hash, which the export and erasure reach.
        var contactId = await matches
            .OrderBy(c => c.Role == ContactRoles.User ? 0 : 1)
            .ThenByDescending(c => c.Id)
            .Select(c => c.Id)
            .FirstOrDefaultAsync(ct);
        if (contactId is null && input.RecordIfUnmatched != true)
        {
            throw new ConfideException(new ConfideError(HttpStatusCode.NotFound, "not_found",
                $"No contact matches that {type.Replace('_', ' ')}; send record_if_unmatched: true to record the request anyway"));
        }

        return new Subject(type, value, key, contactId);
    }

    private static (string Key, IQueryable<Contact> Matches) Email(LookupKeys keys, string email, IQueryable<Contact> contacts)
    {
        if (!EmailAddress.IsValid(email))
        {
            throw new ConfideException(ConfideError.ParameterInvalid("email is not a valid email address"));
        }

        var key = keys.Email(email);
        return (key, contacts.Where(c => c.EmailLookup == key));
    }

    private static (string Key, IQueryable<Contact> Matches) Bounded(Func<string, string> hash, string value, string field, int maxLength, Func<string, IQueryable<Contact>> matches)
    {
        if (value.Length is 0 || value.Length > maxLength)
        {
            throw new ConfideException(ConfideError.ParameterInvalid($"{field} must be 1 to {maxLength} characters"));
        }

        var key = hash(value);
        return (key, matches(key));
    }
}
