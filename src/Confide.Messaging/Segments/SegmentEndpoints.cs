using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Identity;
using Confide.Identity.Authorization;
using Confide.Messaging.Contacts;
using Confide.Platform;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Segments;

/// <summary>
/// Intercom's segments (<c>GET /segments</c>, <c>GET /segments/{id}</c>,
/// <c>GET /contacts/{id}/segments</c>) as saved contact filters, and Confide's own endpoints that
/// define them (<c>/confide/segments</c>). Membership is worked out from the query on every read.
/// </summary>
internal static class SegmentEndpoints
{
    /// <summary>A segment's <c>count</c> stops here: counts are exact up to this many contacts and shown as this number above it.</summary>
    public const int CountLimit = 100_000;

    public static void MapSegmentEndpoints(IEndpointRouteBuilder api)
    {
        api.MapGet("/segments", ListAsync).RequirePermission(Permissions.ContactsRead);
        api.MapGet("/segments/{id}", GetAsync).RequirePermission(Permissions.ContactsRead);
        api.MapGet("/contacts/{contactId}/segments", ListForContactAsync).RequirePermission(Permissions.ContactsRead);
        api.MapGet("/confide/segments/{id}", GetWithQueryAsync).RequirePermission(Permissions.ContactsRead);
        api.MapPost("/confide/segments", CreateAsync).RequirePermission(Permissions.ContactsWrite);
        api.MapPut("/confide/segments/{id}", UpdateAsync).RequirePermission(Permissions.ContactsWrite);
        api.MapDelete("/confide/segments/{id}", DeleteAsync).RequirePermission(Permissions.ContactsWrite);
    }

    /// <summary>Every segment, oldest first; with <c>include_count=true</c>, how many contacts each holds now.</summary>
    private static async Task<IResult> ListAsync(
        ApiCaller caller, CurrentCell cell, WorkspaceKeyRing keys, ILookupIndex lookup, Search.EncryptedSearch search, [FromQuery(Name = "include_count")] bool? includeCount, CancellationToken ct)
    {
        await using var db = cell.Database.CreateReadContext();
        var segments = await db.Segments.Where(s => s.WorkspaceId == caller.WorkspaceId).OrderBy(s => s.CreatedAt).ThenBy(s => s.Id).ToListAsync(ct);
        if (includeCount != true || segments.Count == 0)
        {
            return TypedResults.Ok(new SegmentListView([.. segments.Select(s => SegmentView.From(s))]));
        }

        var workforce = await keys.WorkforceAsync(cell.Database, caller.WorkspaceId, ct);
        var contactSearch = new ContactSearchQuery(await lookup.ForWorkspaceAsync(cell.Database, caller.WorkspaceId, ct), search, cell.Database, caller.WorkspaceId);
        var views = new List<SegmentView>(segments.Count);
        foreach (var segment in segments)
        {
            var query = SegmentCommands.Parse(workforce.OpenSegmentQuery(segment.Id, segment.EncryptedQuery));
            var members = await SegmentCommands.MembersAsync(db.Contacts.InWorkspace(caller.WorkspaceId), segment, contactSearch, query, ct);
            views.Add(SegmentView.From(segment, await members.Take(CountLimit).CountAsync(ct)));
        }

        return TypedResults.Ok(new SegmentListView(views));
    }

    private static async Task<IResult> GetAsync(ApiCaller caller, CurrentCell cell, string id, CancellationToken ct)
    {
        await using var db = cell.Database.CreateReadContext();
        return TypedResults.Ok(SegmentView.From(await FindAsync(db, caller.WorkspaceId, id, ct)));
    }

    /// <summary>Confide's view of a segment: Intercom's, with the query (for editing it).</summary>
    private static async Task<IResult> GetWithQueryAsync(ApiCaller caller, CurrentCell cell, WorkspaceKeyRing keys, string id, CancellationToken ct)
    {
        await using var db = cell.Database.CreateReadContext();
        var segment = await FindAsync(db, caller.WorkspaceId, id, ct);
        var workforce = await keys.WorkforceAsync(cell.Database, caller.WorkspaceId, ct);
        return TypedResults.Ok(SegmentView.From(segment, query: SegmentCommands.Parse(workforce.OpenSegmentQuery(segment.Id, segment.EncryptedQuery))));
    }

    /// <summary>The segments of the contact's person type whose query matches the contact, oldest first.</summary>
    private static async Task<IResult> ListForContactAsync(ApiCaller caller, CurrentCell cell, WorkspaceKeyRing keys, ILookupIndex lookup, Search.EncryptedSearch search, string contactId, CancellationToken ct)
    {
        await using var db = cell.Database.CreateReadContext();
        var role = await db.Contacts.InWorkspace(caller.WorkspaceId).Where(c => c.Id == contactId).Select(c => c.Role).FirstOrDefaultAsync(ct)
            ?? throw new ConfideException(ConfideError.NotFound("User"));
        var personType = role == ContactRoles.Lead ? SegmentPersonTypes.Lead : SegmentPersonTypes.User;
        var segments = await db.Segments.Where(s => s.WorkspaceId == caller.WorkspaceId && s.PersonType == personType)
            .OrderBy(s => s.CreatedAt).ThenBy(s => s.Id).ToListAsync(ct);
        var matched = new List<SegmentView>();
        if (segments.Count > 0)
        {
            var workforce = await keys.WorkforceAsync(cell.Database, caller.WorkspaceId, ct);
            var contactSearch = new ContactSearchQuery(await lookup.ForWorkspaceAsync(cell.Database, caller.WorkspaceId, ct), search, cell.Database, caller.WorkspaceId);
            var contact = db.Contacts.InWorkspace(caller.WorkspaceId).Where(c => c.Id == contactId);
            foreach (var segment in segments)
            {
                var query = SegmentCommands.Parse(workforce.OpenSegmentQuery(segment.Id, segment.EncryptedQuery));
                if (await (await SegmentCommands.MembersAsync(contact, segment, contactSearch, query, ct)).AnyAsync(ct))
                {
                    matched.Add(SegmentView.From(segment));
                }
            }
        }

        return TypedResults.Ok(new ContactSegmentListView(matched));
    }

    private static async Task<IResult> CreateAsync(ApiCaller caller, CurrentCell cell, SegmentCommands commands, SegmentInput input, CancellationToken ct)
    {
        var (segment, query) = await commands.CreateAsync(cell.Database, caller, input, ct);
        return TypedResults.Ok(SegmentView.From(segment, query: query));
    }

    private static async Task<IResult> UpdateAsync(ApiCaller caller, CurrentCell cell, SegmentCommands commands, string id, SegmentInput input, CancellationToken ct)
    {
        var (segment, query) = await commands.UpdateAsync(cell.Database, caller, id, input, ct);
        return TypedResults.Ok(SegmentView.From(segment, query: query));
    }

    private static async Task<IResult> DeleteAsync(ApiCaller caller, CurrentCell cell, SegmentCommands commands, string id, CancellationToken ct)
    {
        await commands.DeleteAsync(cell.Database, caller, id, ct);
        return TypedResults.Ok(new SegmentDeletedView(id));
    }

    private static async Task<Segment> FindAsync(ConfideDbContext db, string workspaceId, string id, CancellationToken ct) =>
        await db.Segments.FirstOrDefaultAsync(s => s.WorkspaceId == workspaceId && s.Id == id, ct) ?? throw SegmentCommands.NotFound();
}
