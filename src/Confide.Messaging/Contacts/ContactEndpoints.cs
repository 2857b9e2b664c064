using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Identity;
using Confide.Identity.Authorization;
using Confide.Messaging.Api;
using Confide.Platform;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Contacts;

internal static class ContactEndpoints
{
    public static void MapContactEndpoints(this IEndpointRouteBuilder api)
    {
        var contacts = api.MapGroup("/contacts");
        contacts.MapPost("", CreateAsync).RequirePermission(Permissions.ContactsWrite);
        contacts.MapGet("", ListAsync).RequirePermission(Permissions.ContactsRead);
        contacts.MapPost("/search", SearchAsync).RequirePermission(Permissions.ContactsRead);
        contacts.MapPost("/merge", MergeAsync).RequirePermission(Permissions.ContactsWrite);
        contacts.MapGet("/find_by_external_id/{externalId}", FindByExternalIdAsync).RequirePermission(Permissions.ContactsRead);
        contacts.MapGet("/{id}", GetAsync).RequirePermission(Permissions.ContactsRead);
        contacts.MapPut("/{id}", UpdateAsync).RequirePermission(Permissions.ContactsWrite);
        contacts.MapDelete("/{id}", DeleteAsync).RequirePermission(Permissions.ContactsDelete);
        contacts.MapPost("/{id}/archive", (ApiCaller caller, CurrentCell cell, ContactKeyRing keys, string id) => SetArchivedAsync(caller, cell, keys, id, true)).RequirePermission(Permissions.ContactsWrite);
        contacts.MapPost("/{id}/unarchive", (ApiCaller caller, CurrentCell cell, ContactKeyRing keys, string id) => SetArchivedAsync(caller, cell, keys, id, false)).RequirePermission(Permissions.ContactsWrite);
    }

    private static async Task<IResult> CreateAsync(ApiCaller caller, CurrentCell cell, ContactCommands commands, ContactKeyRing keys, ContactInput input, CancellationToken ct)
    {
        var contact = await commands.CreateAsync(cell.Database, caller.WorkspaceId, input, ct);
        await using var db = cell.Database.CreateReadContext();
        return TypedResults.Ok(await ContactQueries.ViewAsync(db, keys, cell.Database, contact, ct));
    }

    private static async Task<IResult> UpdateAsync(ApiCaller caller, CurrentCell cell, ContactCommands commands, ContactKeyRing keys, string id, ContactInput input, CancellationToken ct)
    {
        var contact = await commands.UpdateAsync(cell.Database, caller.WorkspaceId, id, input, ct);
        await using var db = cell.Database.CreateReadContext();
        return TypedResults.Ok(await ContactQueries.ViewAsync(db, keys, cell.Database, contact, ct));
    }

    private static async Task<IResult> GetAsync(ApiCaller caller, CurrentCell cell, ContactKeyRing keys, string id, CancellationToken ct)
    {
        await using var db = cell.Database.CreateReadContext();
        var contact = await db.Contacts.InWorkspace(caller.WorkspaceId).FirstOrDefaultAsync(c => c.Id == id, ct)
            ?? throw new ConfideException(ConfideError.NotFound("User"));
        return TypedResults.Ok(await ContactQueries.ViewAsync(db, keys, cell.Database, contact, ct));
    }

    private static async Task<IResult> FindByExternalIdAsync(ApiCaller caller, CurrentCell cell, ContactKeyRing keys, ILookupIndex lookup, string externalId, CancellationToken ct)
    {
        var key = (await lookup.ForWorkspaceAsync(cell.Database, caller.WorkspaceId, ct)).ExternalId(externalId);
        await using var db = cell.Database.CreateReadContext();
        var contact = await db.Contacts.InWorkspace(caller.WorkspaceId).FirstOrDefaultAsync(c => c.ExternalIdLookup == key, ct)
            ?? throw new ConfideException(ConfideError.NotFound("User"));
        return TypedResults.Ok(await ContactQueries.ViewAsync(db, keys, cell.Database, contact, ct));
    }

    private static async Task<IResult> ListAsync(ApiCaller caller, CurrentCell cell, ContactKeyRing keys, [FromQuery(Name = "per_page")] int? perPage, [FromQuery(Name = "starting_after")] string? startingAfter, CancellationToken ct)
    {
        var size = PageSize.Resolve(perPage, 50);
        var after = Cursor.Decode(startingAfter);
        await using var db = cell.Database.CreateReadContext();
        return TypedResults.Ok(await ContactQueries.PageAsync(db, keys, cell.Database, db.Contacts.InWorkspace(caller.WorkspaceId), size, after, ct));
    }

    private static async Task<IResult> SearchAsync(ApiCaller caller, CurrentCell cell, ContactKeyRing keys, ILookupIndex lookup, Search.EncryptedSearch search, SearchRequest request, CancellationToken ct)
    {
        if (request.Query is not { } query)
        {
            throw new ConfideException(ConfideError.ParameterMissing("query"));
        }

        var predicate = await new ContactSearchQuery(await lookup.ForWorkspaceAsync(cell.Database, caller.WorkspaceId, ct), search, cell.Database, caller.WorkspaceId).CompileAsync(query, ct);
        var size = PageSize.Resolve(request.Pagination?.PerPage, 50);
        var after = Cursor.Decode(request.Pagination?.StartingAfter);
        await using var db = cell.Database.CreateReadContext();
        return TypedResults.Ok(await ContactQueries.PageAsync(db, keys, cell.Database, db.Contacts.InWorkspace(caller.WorkspaceId).Where(predicate), size, after, ct));
    }

    /// <summary>
    /// Merges a lead into a user (<see cref="ContactMerging"/>): the lead's records become the user's
    /// and the lead is erased. Nothing is lost (the lead's records live on as the user's), so the
    /// permission to write contacts is enough, as merging leads is everyday work. Answers the user.
    /// </summary>
    private static async Task<IResult> MergeAsync(ApiCaller caller, CurrentCell cell, ContactMerging merging, ContactKeyRing keys, MergeContactsInput input, CancellationToken ct)
    {
        var user = await merging.MergeAsync(cell.Database, caller.WorkspaceId, input.From, input.Into, caller.Actor, ct);
        await using var db = cell.Database.CreateReadContext();
        return TypedResults.Ok(await ContactQueries.ViewAsync(db, keys, cell.Database, user, ct));
    }

    /// <summary>
    /// Erases the contact: when this answers, its key is destroyed and it is gone from every
    /// query, so nothing of it can be read again — here or in any backup; a durable job
    /// (<see cref="Erasure.ContactErasureJob"/>) removes the rows and stores the receipt.
    /// </summary>
    private static async Task<IResult> DeleteAsync(ApiCaller caller, CurrentCell cell, ContactErasure erasure, string id, CancellationToken ct)
    {
        var externalId = await erasure.EraseAsync(cell.Database, caller.WorkspaceId, id, caller.Actor, ct);
        return TypedResults.Ok(new ContactDeletedView(id, externalId, true));
    }

    private static async Task<IResult> SetArchivedAsync(ApiCaller caller, CurrentCell cell, ContactKeyRing keys, string id, bool archived)
    {
        var result = await cell.Database.Writer.WriteAsync(async (db, ct) =>
        {
            var contact = await db.Contacts.InWorkspace(caller.WorkspaceId).FirstOrDefaultAsync(c => c.Id == id, ct)
                ?? throw new ConfideException(ConfideError.NotFound("User"));
            contact.Archived = archived;
            var cipher = await keys.ForContactAsync(cell.Database, caller.WorkspaceId, id, ct);
            return new ContactArchivedView(contact.Id, cipher.ExternalId(contact), archived);
        });
        return TypedResults.Ok(result);
    }
}

/// <summary>Body of <c>POST /contacts/merge</c>: the lead's id (<c>from</c>) and the user's (<c>into</c>).</summary>
internal sealed record MergeContactsInput(string? From, string? Into);
