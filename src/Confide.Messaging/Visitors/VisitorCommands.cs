using System.Text.Json;
using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Messaging.Api;
using Confide.Messaging.Contacts;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Visitors;

/// <summary>
/// Intercom's visitors, as Confide has them (docs/visitors.md): the leads the website messenger
/// creates for an anonymous browser, known by the keyed hash of the random visitor id the browser
/// holds (<see cref="Contact.VisitorLookup"/>). A visitor is found by its Confide id, by that
/// visitor id or its Confide id given as Intercom's <c>user_id</c>, or by an email it was given;
/// updated like a contact;
/// and converted into a user or a lead — merged into an existing user through the one merge
/// (<see cref="ContactMerging"/>), or turned into one in place, when it stops being a visitor.
/// </summary>
internal sealed class VisitorCommands(ILookupIndex lookup, ContactKeyRing keys, ContactCommands contacts, ContactMerging merging, ActivityLog log)
{
    /// <summary>The visitor, or 404 <c>Visitor Not Found</c>; 400 when no identifier was given.</summary>
    public async Task<Contact> FindAsync(CellDatabase cell, string workspaceId, string? id, string? userId, string? email, CancellationToken ct)
    {
        id = Text.Optional(id, "id", 64);
        userId = Text.Optional(userId, "user_id", 255);
        email = Text.Optional(email, "email", 254);
        if (id is null && userId is null && email is null)
        {
            throw new ConfideException(ConfideError.ParameterMissing("user_id"));
        }

        var lookupKeys = await lookup.ForWorkspaceAsync(cell, workspaceId, ct);
        await using var db = cell.CreateReadContext();
        var visitors = Visitors(db, workspaceId);
        Contact? visitor;
        if (id is not null)
        {
            visitor = await visitors.FirstOrDefaultAsync(c => c.Id == id, ct);
        }
        else if (userId is not null)
        {
            // The browser's visitor id, or the Confide id the visitor object answers as its user_id (the visitor id cannot be given back).
            var key = lookupKeys.VisitorId(userId);
            visitor = await visitors.FirstOrDefaultAsync(c => c.VisitorLookup == key, ct)
                ?? await visitors.FirstOrDefaultAsync(c => c.Id == userId, ct);
        }
        else
        {
            var key = lookupKeys.Email(email!);
            visitor = await visitors.OrderBy(c => c.Id).FirstOrDefaultAsync(c => c.EmailLookup == key, ct);
        }

        return visitor ?? throw new ConfideException(ConfideError.NotFound("Visitor"));
    }

    public async Task<VisitorView> ViewAsync(CellDatabase cell, Contact visitor, string? userId, CancellationToken ct)
    {
        var cipher = await keys.ForContactAsync(cell, visitor.WorkspaceId, visitor.Id, ct);
        await using var db = cell.CreateReadContext();
        var tags = await db.ContactTags.Where(t => t.WorkspaceId == visitor.WorkspaceId && t.ContactId == visitor.Id)
            .Join(db.Tags, link => link.TagId, tag => tag.Id, (link, tag) => new { tag.Id, tag.Name, link.CreatedAt })
            .OrderBy(t => t.CreatedAt).Select(t => new { t.Id, t.Name }).ToListAsync(ct);
        return VisitorView.From(visitor, cipher, userId, [.. tags.Select(t => (t.Id, t.Name))]);
    }

    /// <summary><c>PUT /visitors</c>: the name and custom attributes (validated and merged as a contact's).</summary>
    public async Task<VisitorView> UpdateAsync(CellDatabase cell, string workspaceId, UpdateVisitorInput input, CancellationToken ct)
    {
        var visitor = await FindAsync(cell, workspaceId, input.Id, input.UserId, null, ct);
        var updated = await contacts.UpdateAsync(cell, workspaceId, visitor.Id,
            new ContactInput(null, null, null, null, input.Name, null, null, null, null, null, input.CustomAttributes), ct,
            (_, contact, _) => contact.VisitorLookup is null
                ? throw new ConfideException(ConfideError.NotFound("Visitor")) // converted meanwhile
                : Task.CompletedTask);
        return await ViewAsync(cell, updated, Text.Optional(input.UserId, "user_id", 255), ct);
    }

    /// <summary>
    /// <c>POST /visitors/convert</c>. Into a user: merged into the user <c>user</c> names (by id, user id
    /// or email) when there is one, else the visitor becomes that user, with the given identifiers.
    /// Into a lead: the visitor becomes an ordinary lead with the given identifiers. Either way it is
    /// no longer a visitor: its visitor id's lookup is gone (the browser starts afresh).
    /// </summary>
    public async Task<Contact> ConvertAsync(CellDatabase cell, string workspaceId, ConvertVisitorInput input, ActivityActor actor, CancellationToken ct)
    {
        var role = input.Type switch
        {
            null => throw new ConfideException(ConfideError.ParameterMissing("type")),
            ContactRoles.User => ContactRoles.User,
            ContactRoles.Lead => ContactRoles.Lead,
            _ => throw new ConfideException(ConfideError.ParameterInvalid("type must be 'user' or 'lead'")),
        };
        var target = input.User ?? throw new ConfideException(ConfideError.ParameterMissing("user"));
        var from = input.Visitor ?? throw new ConfideException(ConfideError.ParameterMissing("visitor"));
        var visitor = await FindAsync(cell, workspaceId, from.Id, from.UserId, from.Email, ct);
        var externalId = Text.Optional(target.UserId, "user.user_id", 255);
        var email = Text.Optional(target.Email, "user.email", 254);
        if (role == ContactRoles.User && await ExistingUserAsync(cell, workspaceId, Text.Optional(target.Id, "user.id", 64), externalId, email, ct) is { } user)
        {
            return await merging.MergeAsync(cell, workspaceId, visitor.Id, user, actor, ct);
        }

        if (role == ContactRoles.User && externalId is null && email is null)
        {
            throw new ConfideException(ConfideError.ParameterInvalid("user needs a user_id or an email to convert a visitor into a new user"));
        }

        return await contacts.UpdateAsync(cell, workspaceId, visitor.Id, new ContactInput(role, externalId, email, null, null, null, null, null, null, null, null), ct,
            async (db, contact, token) =>
            {
                if (contact.VisitorLookup is null)
                {
                    throw new ConfideException(ConfideError.NotFound("Visitor")); // converted meanwhile
                }

                contact.VisitorLookup = null;
                await log.AppendAsync(db, cell, workspaceId, new ActivityEvent(
                    ActivityTypes.VisitorConversion, actor, $"A messenger visitor was converted into a {role}.",
                    new ActivityTarget("contact", contact.Id), new JsonObject { ["role"] = role }), token);
            });
    }

    /// <summary>The user a conversion names, if there is one: by Confide id, else by user id, else by email.</summary>
    private async Task<string?> ExistingUserAsync(CellDatabase cell, string workspaceId, string? id, string? externalId, string? email, CancellationToken ct)
    {
        await using var db = cell.CreateReadContext();
        var users = db.Contacts.InWorkspace(workspaceId).Where(c => c.Role == ContactRoles.User);
        if (id is not null && await users.Where(c => c.Id == id).Select(c => c.Id).FirstOrDefaultAsync(ct) is { } byId)
        {
            return byId;
        }

        var lookupKeys = await lookup.ForWorkspaceAsync(cell, workspaceId, ct);
        if (externalId is not null)
        {
            var key = lookupKeys.ExternalId(externalId);
            if (await users.Where(c => c.ExternalIdLookup == key).Select(c => c.Id).FirstOrDefaultAsync(ct) is { } byExternalId)
            {
                return byExternalId;
            }
        }

        if (email is not null)
        {
            var key = lookupKeys.Email(email);
            return await users.Where(c => c.EmailLookup == key).OrderBy(c => c.Id).Select(c => c.Id).FirstOrDefaultAsync(ct);
        }

        return null;
    }

    private static IQueryable<Contact> Visitors(ConfideDbContext db, string workspaceId) =>
        db.Contacts.InWorkspace(workspaceId).Where(c => c.Role == ContactRoles.Lead && c.VisitorLookup != null);
}

/// <summary>Body of <c>PUT /visitors</c>: the visitor by <c>id</c> or <c>user_id</c>, and what changes.</summary>
internal sealed record UpdateVisitorInput(string? Id, string? UserId, string? Name, JsonElement? CustomAttributes);

/// <summary>Body of <c>POST /visitors/convert</c>.</summary>
internal sealed record ConvertVisitorInput(string? Type, ConvertTarget? User, ConvertSource? Visitor);

internal sealed record ConvertTarget(string? Id, string? UserId, string? Email);

internal sealed record ConvertSource(string? Id, string? UserId, string? Email);
