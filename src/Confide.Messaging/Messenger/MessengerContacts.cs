using Confide.Data;
using Confide.Data.Model;
using Confide.Messaging.Contacts;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Messenger;

/// <summary>
/// The one contact a messenger session may act for. A visitor is found by the keyed hash of
/// their visitor id (and only ever as a lead); a verified user by user id (or by email when the
/// proof covered only an email), and only among users. Nothing else can select a contact, so a
/// session never reaches another contact's conversations. Finding the contact is a visit: it
/// refreshes <see cref="Contact.LastSeenAt"/> (at most once per <see cref="SeenResolution"/>), which
/// restarts the visitor retention rule's period.
/// </summary>
internal sealed class MessengerContacts(ILookupIndex lookup, ContactCommands contacts, TimeProvider time)
{
    /// <summary>A visit refreshes the contact's last-seen time when it is older than this: one small write an hour at most per visitor.</summary>
    public static readonly TimeSpan SeenResolution = TimeSpan.FromHours(1);

    /// <summary>The session's contact, or null when they have not written yet; a found contact was seen now.</summary>
    public async Task<Contact?> FindAsync(CellDatabase cell, MessengerSession session, CancellationToken ct)
    {
        var contact = await LookUpAsync(cell, session, ct);
        if (contact is not null)
        {
            await SeenAsync(cell, contact, ct);
        }

        return contact;
    }

    private async Task SeenAsync(CellDatabase cell, Contact contact, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (contact.LastSeenAt is { } seen && now - seen < SeenResolution)
        {
            return;
        }

        var before = now - SeenResolution;
        var (workspaceId, contactId) = (contact.WorkspaceId, contact.Id);
        await cell.Writer.WriteAsync(
            (db, token) => db.Contacts.Where(c => c.WorkspaceId == workspaceId && c.Id == contactId && (c.LastSeenAt == null || c.LastSeenAt < before))
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.LastSeenAt, now), token),
            ct);
        contact.LastSeenAt = now;
    }

    private async Task<Contact?> LookUpAsync(CellDatabase cell, MessengerSession session, CancellationToken ct)
    {
        var keys = await lookup.ForWorkspaceAsync(cell, session.WorkspaceId, ct);
        await using var db = cell.CreateReadContext();
        var inWorkspace = db.Contacts.InWorkspace(session.WorkspaceId);
        if (session.VisitorId is { } visitorId)
        {
            var visitorKey = keys.VisitorId(visitorId);
            return await inWorkspace.FirstOrDefaultAsync(c => c.VisitorLookup == visitorKey && c.Role == ContactRoles.Lead, ct);
        }

        if (session.UserId is { } userId)
        {
            var userKey = keys.ExternalId(userId);
            return await inWorkspace.FirstOrDefaultAsync(c => c.ExternalIdLookup == userKey && c.Role == ContactRoles.User, ct);
        }

        var emailKey = keys.Email(session.Email!);
        return await inWorkspace.FirstOrDefaultAsync(c => c.EmailLookup == emailKey && c.Role == ContactRoles.User && c.ExternalIdLookup == null, ct);
    }

    /// <summary>The session's contact, created on first use: a lead for a visitor, a user with the verified attributes for a user.</summary>
    public async Task<Contact> FindOrCreateAsync(CellDatabase cell, MessengerSession session, CancellationToken ct)
    {
        if (await FindAsync(cell, session, ct) is { } existing)
        {
            return existing;
        }

        if (session.VisitorId is { } visitorId)
        {
            var keys = await lookup.ForWorkspaceAsync(cell, session.WorkspaceId, ct);
            return await contacts.CreateVisitorLeadAsync(cell, session.WorkspaceId, keys.VisitorId(visitorId), ct);
        }

        var input = new ContactInput(ContactRoles.User, session.UserId, session.Email, null, session.Name, null, null, null, null, null, null);
        try
        {
            return await contacts.CreateAsync(cell, session.WorkspaceId, input, ct);
        }
        catch (ConfideException e) when (e.Error.Status == System.Net.HttpStatusCode.Conflict)
        {
            // Another tab created the user meanwhile, or another user holds this email: the
            // contact is still this user id's own, without the email.
            return await FindAsync(cell, session, ct)
                ?? await contacts.CreateAsync(cell, session.WorkspaceId, input with { Email = null }, ct);
        }
    }
}
