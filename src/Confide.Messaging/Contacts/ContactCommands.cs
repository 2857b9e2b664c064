using System.Text.Json;
using System.Text.Json.Nodes;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Identity;
using Confide.Messaging.Api;
using Confide.Messaging.Search;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Contacts;

/// <summary>
/// Create and update of contacts: validation, uniqueness, lookup keys, search tokens and
/// encryption in one place. A new contact's key is stored before its row, and only once its input is valid.
/// </summary>
internal sealed class ContactCommands(ILookupIndex lookup, ContactKeyRing contactKeys, TimeProvider time)
{
    private const int MaxCustomAttributes = 250;

    /// <summary>Validated, normalised input; null members are left unchanged.</summary>
    private sealed record Changes(string? Email, bool SetEmail, string? ExternalId, bool SetExternalId, string? Phone, bool SetPhone, string? Name, bool SetName,
        DateTimeOffset? SignedUpAt, DateTimeOffset? LastSeenAt, JsonElement? CustomAttributes);

    public async Task<Contact> CreateAsync(CellDatabase cell, string workspaceId, ContactInput input, CancellationToken cancellationToken)
    {
        var role = input.Role ?? ContactRoles.User;
        if (!ContactRoles.IsValid(role))
        {
            throw new ConfideException(ConfideError.ParameterInvalid("role must be 'user' or 'lead'"));
        }

        if (input.Email is null && input.ExternalId is null && input.Role is null)
        {
            throw new ConfideException(ConfideError.ParameterInvalid("Provide at least one of email, external_id or role"));
        }

        var changes = Validate(input);
        // Custom attributes are validated while merged; do it before a key is stored for nothing.
        MergeCustomAttributes("{}", changes.CustomAttributes);
        await DataAttributes.DataAttributeSchema.ValidateAsync(cell, workspaceId, DataAttributeModels.Contact, changes.CustomAttributes, cancellationToken);
        var keys = await lookup.ForWorkspaceAsync(cell, workspaceId, cancellationToken);
        var now = time.GetUtcNow();
        var contact = new Contact { Id = PublicIds.NewEntityId(time), WorkspaceId = workspaceId, Role = role, CreatedAt = now, UpdatedAt = now };
        var cipher = await contactKeys.CreateAsync(cell, workspaceId, contact.Id, cancellationToken);
        Apply(contact, changes, keys, cipher);
        var tokens = SearchIndex.ForContact(keys, cipher, contact);

        return await cell.Writer.WriteAsync(async (db, ct) =>
        {
            await EnsureUniqueAsync(db, contact, ct);
            db.Contacts.Add(contact);
            db.SearchTokens.AddRange(tokens);
            return contact;
        }, cancellationToken);
    }

    /// <summary>
    /// The lead for a messenger visitor who writes for the first time: no personal field at all,
    /// only the keyed hash of the visitor id their browser holds.
    /// </summary>
    public async Task<Contact> CreateVisitorLeadAsync(CellDatabase cell, string workspaceId, string visitorLookup, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var contact = new Contact
        {
            Id = PublicIds.NewEntityId(time), WorkspaceId = workspaceId, Role = ContactRoles.Lead, VisitorLookup = visitorLookup,
            CreatedAt = now, UpdatedAt = now, LastSeenAt = now,
        };
        await contactKeys.CreateAsync(cell, workspaceId, contact.Id, cancellationToken);
        return await cell.Writer.WriteAsync(async (db, ct) =>
        {
            // Two tabs of one visitor may write at once: the first lead wins.
            var existing = await db.Contacts.InWorkspace(workspaceId).FirstOrDefaultAsync(c => c.VisitorLookup == visitorLookup, ct);
            if (existing is not null)
            {
                return existing;
            }

            db.Contacts.Add(contact);
            return contact;
        }, cancellationToken);
    }

    /// <param name="alsoInTransaction">More of the same change, in its transaction, after the contact was updated and checked (a visitor's conversion).</param>
    public async Task<Contact> UpdateAsync(CellDatabase cell, string workspaceId, string contactId, ContactInput input, CancellationToken cancellationToken,
        Func<ConfideDbContext, Contact, CancellationToken, Task>? alsoInTransaction = null)
    {
        if (input.Role is not null && !ContactRoles.IsValid(input.Role))
        {
            throw new ConfideException(ConfideError.ParameterInvalid("role must be 'user' or 'lead'"));
        }

        var changes = Validate(input);
        await DataAttributes.DataAttributeSchema.ValidateAsync(cell, workspaceId, DataAttributeModels.Contact, changes.CustomAttributes, cancellationToken);
        var keys = await lookup.ForWorkspaceAsync(cell, workspaceId, cancellationToken);
        return await cell.Writer.WriteAsync(async (db, ct) =>
        {
            var contact = await db.Contacts.FirstOrDefaultAsync(c => c.WorkspaceId == workspaceId && c.Id == contactId, ct)
                ?? throw new ConfideException(ConfideError.NotFound("User"));
            var cipher = await contactKeys.ForContactAsync(cell, workspaceId, contact.Id, ct);
            contact.Role = input.Role ?? contact.Role;
            Apply(contact, changes, keys, cipher);
            contact.UpdatedAt = time.GetUtcNow();
            await EnsureUniqueAsync(db, contact, ct);
            if (changes.SetName || changes.SetEmail || changes.CustomAttributes is not null)
            {
                await SearchIndex.ReplaceForContactAsync(db, keys, cipher, contact, ct);
            }

            if (alsoInTransaction is not null)
            {
                await alsoInTransaction(db, contact, ct);
            }

            return contact;
        }, cancellationToken);
    }

    private static Changes Validate(ContactInput input)
    {
        var email = input.Email is null ? null : Text.Optional(input.Email, "email", 254);
        if (email is not null && !EmailAddress.IsValid(email))
        {
            throw new ConfideException(ConfideError.ParameterInvalid("email is not a valid email address"));
        }

        return new Changes(
            email, input.Email is not null,
            input.ExternalId is null ? null : Text.Optional(input.ExternalId, "external_id", 255), input.ExternalId is not null,
            input.Phone is null ? null : Text.Optional(input.Phone, "phone", 64), input.Phone is not null,
            input.Name is null ? null : Text.Optional(input.Name, "name", 255), input.Name is not null,
            input.SignedUpAt is null ? null : Unix.FromSeconds(input.SignedUpAt, "signed_up_at"),
            input.LastSeenAt is null ? null : Unix.FromSeconds(input.LastSeenAt, "last_seen_at"),
            input.CustomAttributes);
    }

    private static void Apply(Contact contact, Changes changes, LookupKeys lookup, ContactCipher cipher)
    {
        if (changes.SetEmail)
        {
            cipher.SetEmail(contact, changes.Email);
            contact.EmailLookup = changes.Email is null ? null : lookup.Email(changes.Email);
        }

        if (changes.SetExternalId)
        {
            cipher.SetExternalId(contact, changes.ExternalId);
            contact.ExternalIdLookup = changes.ExternalId is null ? null : lookup.ExternalId(changes.ExternalId);
        }

        if (changes.SetPhone)
        {
            cipher.SetPhone(contact, changes.Phone);
            contact.PhoneLookup = changes.Phone is null ? null : lookup.Phone(changes.Phone);
        }

        if (changes.SetName)
        {
            cipher.SetName(contact, changes.Name);
        }

        contact.SignedUpAt = changes.SignedUpAt ?? contact.SignedUpAt;
        contact.LastSeenAt = changes.LastSeenAt ?? contact.LastSeenAt;
        if (changes.CustomAttributes is { } attributes)
        {
            cipher.SetCustomAttributes(contact, MergeCustomAttributes(cipher.CustomAttributes(contact), attributes));
        }
    }

    /// <summary>Intercom merges custom attributes key by key; values must be flat (string, number, boolean, null).</summary>
    private static string MergeCustomAttributes(string existingJson, JsonElement? changes)
    {
        if (changes is not { } update || update.ValueKind == JsonValueKind.Null)
        {
            return existingJson;
        }

        if (update.ValueKind != JsonValueKind.Object)
        {
            throw new ConfideException(ConfideError.ParameterInvalid("custom_attributes must be an object"));
        }

        var merged = JsonNode.Parse(existingJson)!.AsObject();
        foreach (var property in update.EnumerateObject())
        {
            if (property.Name.Length is 0 or > 190)
            {
                throw new ConfideException(ConfideError.ParameterInvalid("custom_attributes names must be 1 to 190 characters"));
            }

            if (property.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
            {
                throw new ConfideException(ConfideError.ParameterInvalid("custom_attributes values must be strings, numbers, booleans or null"));
            }

            merged[property.Name] = JsonNode.Parse(property.Value.GetRawText());
        }

        if (merged.Count > MaxCustomAttributes)
        {
            throw new ConfideException(ConfideError.ParameterInvalid($"A contact can have at most {MaxCustomAttributes} custom attributes"));
        }

        return merged.ToJsonString();
    }

    /// <summary>
    /// Users are unique per workspace by external id and by email (leads may share an email).
    /// Runs inside the cell's serialised writer, so the check and the insert cannot interleave.
    /// </summary>
    private static async Task EnsureUniqueAsync(ConfideDbContext db, Contact contact, CancellationToken ct)
    {
        string? existing = null;
        if (contact.ExternalIdLookup is not null)
        {
            existing = await db.Contacts
                .Where(c => c.WorkspaceId == contact.WorkspaceId && c.ExternalIdLookup == contact.ExternalIdLookup && c.Id != contact.Id)
                .Select(c => c.Id).FirstOrDefaultAsync(ct);
        }

        if (existing is null && contact.Role == ContactRoles.User && contact.EmailLookup is not null)
        {
            existing = await db.Contacts
                .Where(c => c.WorkspaceId == contact.WorkspaceId && c.Role == ContactRoles.User && c.EmailLookup == contact.EmailLookup && c.Id != contact.Id)
                .Select(c => c.Id).FirstOrDefaultAsync(ct);
        }

        if (existing is not null)
        {
            throw new ConfideException(ConfideError.Conflict($"A contact matching those details already exists with id={existing}"));
        }
    }
}
