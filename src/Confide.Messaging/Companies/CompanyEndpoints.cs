using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Identity;
using Confide.Identity.Authorization;
using Confide.Messaging.Api;
using Confide.Messaging.Contacts;
using Confide.Platform;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Companies;

/// <summary>
/// Intercom's companies (docs/companies.md). Reading needs <c>contacts.read</c>, changing a
/// company or a contact's companies <c>contacts.write</c>, and deleting a company
/// <c>contacts.delete</c> (docs/permissions.md).
/// </summary>
internal static class CompanyEndpoints
{
    public static void MapCompanyEndpoints(this IEndpointRouteBuilder api)
    {
        var companies = api.MapGroup("/companies");
        companies.MapPost("", CreateOrUpdateAsync).RequirePermission(Permissions.ContactsWrite);
        companies.MapGet("", RetrieveAsync).RequirePermission(Permissions.ContactsRead);
        companies.MapPost("/list", ListAsync).RequirePermission(Permissions.ContactsRead);
        companies.MapGet("/scroll", ScrollAsync).RequirePermission(Permissions.ContactsRead);
        companies.MapGet("/{id}", GetAsync).RequirePermission(Permissions.ContactsRead);
        companies.MapPut("/{id}", UpdateAsync).RequirePermission(Permissions.ContactsWrite);
        companies.MapDelete("/{id}", DeleteAsync).RequirePermission(Permissions.ContactsDelete);
        companies.MapGet("/{id}/contacts", ListContactsAsync).RequirePermission(Permissions.ContactsRead);
        api.MapGet("/contacts/{contactId}/companies", ListForContactAsync).RequirePermission(Permissions.ContactsRead);
        api.MapPost("/contacts/{contactId}/companies", AttachAsync).RequirePermission(Permissions.ContactsWrite);
        api.MapDelete("/contacts/{contactId}/companies/{id}", DetachAsync).RequirePermission(Permissions.ContactsWrite);
    }

    private static async Task<Ok<CompanyView>> CreateOrUpdateAsync(ApiCaller caller, CurrentCell cell, CompanyCommands commands, WorkspaceKeyRing keys, CompanyInput? input, CancellationToken ct)
    {
        var company = await commands.CreateOrUpdateAsync(cell.Database, caller.WorkspaceId, input, caller.Actor, ct);
        return TypedResults.Ok(await ViewAsync(cell, keys, caller.WorkspaceId, company, ct));
    }

    private static async Task<Ok<CompanyView>> UpdateAsync(ApiCaller caller, CurrentCell cell, CompanyCommands commands, WorkspaceKeyRing keys, string id, CompanyInput? input, CancellationToken ct)
    {
        var company = await commands.UpdateAsync(cell.Database, caller.WorkspaceId, id, input, caller.Actor, ct);
        return TypedResults.Ok(await ViewAsync(cell, keys, caller.WorkspaceId, company, ct));
    }

    private static async Task<Ok<CompanyDeletedView>> DeleteAsync(ApiCaller caller, CurrentCell cell, CompanyCommands commands, string id, CancellationToken ct)
    {
        await commands.DeleteAsync(cell.Database, caller.WorkspaceId, id, caller.Actor, ct);
        return TypedResults.Ok(new CompanyDeletedView(id, true));
    }

    private static async Task<Ok<CompanyView>> GetAsync(ApiCaller caller, CurrentCell cell, WorkspaceKeyRing keys, string id, CancellationToken ct)
    {
        var cipher = await keys.WorkforceAsync(cell.Database, caller.WorkspaceId, ct);
        await using var db = cell.Database.CreateReadContext();
        return TypedResults.Ok(await CompanyQueries.ViewAsync(db, cipher, await CompanyQueries.FindAsync(db, caller.WorkspaceId, id, ct), ct));
    }

    /// <summary>
    /// Intercom's <c>GET /companies</c>: with <c>company_id</c> or <c>name</c> the one company (404
    /// <c>company_not_found</c>), otherwise a page of all companies, or of those with <c>tag_id</c>.
    /// Confide has no segments, so a <c>segment_id</c> matches no company.
    /// </summary>
    private static async Task<IResult> RetrieveAsync(
        ApiCaller caller, CurrentCell cell, WorkspaceKeyRing keys,
        [FromQuery(Name = "company_id")] string? companyId, [FromQuery(Name = "name")] string? name,
        [FromQuery(Name = "tag_id")] string? tagId, [FromQuery(Name = "segment_id")] string? segmentId,
        [FromQuery(Name = "page")] int? page, [FromQuery(Name = "per_page")] int? perPage, CancellationToken ct)
    {
        var cipher = await keys.WorkforceAsync(cell.Database, caller.WorkspaceId, ct);
        await using var db = cell.Database.CreateReadContext();
        var companies = db.Companies.AsNoTracking().InWorkspace(caller.WorkspaceId);
        if (companyId is not null || name is not null)
        {
            var wanted = (companyId ?? name)!.Trim();
            var match = companyId is not null ? companies.Where(c => c.ExternalId == wanted) : companies.Where(c => c.Name == wanted);
            var company = await match.OrderBy(c => c.Id).FirstOrDefaultAsync(ct) ?? throw new ConfideException(CompanyErrors.NotFound);
            return TypedResults.Ok(await CompanyQueries.ViewAsync(db, cipher, company, ct));
        }

        var (number, size) = CompanyQueries.Paging(page, perPage);
        if (tagId is not null)
        {
            companies = companies.Where(c => db.CompanyTags.Any(t => t.CompanyId == c.Id && t.TagId == tagId));
        }

        if (segmentId is not null)
        {
            companies = companies.Where(_ => false);
        }

        return TypedResults.Ok(await CompanyQueries.PageAsync(db, cipher, companies, number, size, ascending: false, ct));
    }

    /// <summary>Intercom's <c>POST /companies/list</c>: pages by number, newest first unless <c>order=asc</c>.</summary>
    private static async Task<Ok<CompanyListView>> ListAsync(
        ApiCaller caller, CurrentCell cell, WorkspaceKeyRing keys,
        [FromQuery(Name = "page")] int? page, [FromQuery(Name = "per_page")] int? perPage, [FromQuery(Name = "order")] string? order, CancellationToken ct)
    {
        var ascending = order switch
        {
            null or "desc" => false,
            "asc" => true,
            _ => throw new ConfideException(ConfideError.ParameterInvalid("order must be 'asc' or 'desc'")),
        };
        var (number, size) = CompanyQueries.Paging(page, perPage);
        var cipher = await keys.WorkforceAsync(cell.Database, caller.WorkspaceId, ct);
        await using var db = cell.Database.CreateReadContext();
        return TypedResults.Ok(await CompanyQueries.PageAsync(db, cipher, db.Companies.AsNoTracking().InWorkspace(caller.WorkspaceId), number, size, ascending, ct));
    }

    /// <summary>
    /// Intercom's scroll, without server-side state: <c>scroll_param</c> is an opaque cursor (the
    /// last company of the page), so several scrolls may run at once and none expires. The page
    /// after the last one is empty and has no <c>scroll_param</c>.
    /// </summary>
    private static async Task<Ok<CompanyScrollView>> ScrollAsync(
        ApiCaller caller, CurrentCell cell, WorkspaceKeyRing keys, [FromQuery(Name = "scroll_param")] string? scrollParam, CancellationToken ct)
    {
        string? after;
        try
        {
            after = Cursor.Decode(scrollParam);
        }
        catch (ConfideException)
        {
            throw new ConfideException(ConfideError.ParameterInvalid("scroll_param is not a valid scroll parameter"));
        }

        var cipher = await keys.WorkforceAsync(cell.Database, caller.WorkspaceId, ct);
        await using var db = cell.Database.CreateReadContext();
        var companies = db.Companies.AsNoTracking().InWorkspace(caller.WorkspaceId);
        var total = await companies.CountAsync(ct);
        var rows = await (after is null ? companies : companies.Where(c => string.Compare(c.Id, after) < 0))
            .OrderByDescending(c => c.Id).Take(CompanyQueries.ScrollSize).ToListAsync(ct);
        var views = await CompanyQueries.ViewsAsync(db, cipher, rows, ct);
        return TypedResults.Ok(new CompanyScrollView(
            views, total, CompanyQueries.Pages(1, CompanyQueries.ScrollSize, total), rows.Count == 0 ? null : Cursor.Encode(rows[^1].Id)));
    }

    /// <summary>The contacts attached to the company, newest first, by page number.</summary>
    private static async Task<Ok<CompanyContactsView>> ListContactsAsync(
        ApiCaller caller, CurrentCell cell, ContactKeyRing contactKeys, string id,
        [FromQuery(Name = "page")] int? page, [FromQuery(Name = "per_page")] int? perPage, CancellationToken ct)
    {
        var (number, size) = CompanyQueries.Paging(page, perPage);
        await using var db = cell.Database.CreateReadContext();
        var company = await CompanyQueries.FindAsync(db, caller.WorkspaceId, id, ct);
        var contacts = db.Contacts.AsNoTracking().InWorkspace(caller.WorkspaceId)
            .Where(c => db.ContactCompanies.Any(l => l.CompanyId == company.Id && l.ContactId == c.Id));
        var total = await contacts.CountAsync(ct);
        var rows = await contacts.OrderByDescending(c => c.Id).Skip((number - 1) * size).Take(size).ToListAsync(ct);
        var contactIds = rows.Select(c => c.Id).ToList();
        var tags = await ContactQueries.TagIdsAsync(db, contactIds, ct);
        var companies = await CompanyQueries.CompanyIdsAsync(db, contactIds, ct);
        var views = new List<ContactView>(rows.Count);
        foreach (var contact in rows)
        {
            // Rows of an erased contact (left by a crash or a restored backup) are not listed.
            if (await contactKeys.TryForContactAsync(cell.Database, contact.WorkspaceId, contact.Id, ct) is { } cipher)
            {
                views.Add(ContactView.From(contact, cipher, [.. tags[contact.Id]], [.. companies[contact.Id]]));
            }
        }

        return TypedResults.Ok(new CompanyContactsView(views, total, CompanyQueries.Pages(number, size, total)));
    }

    /// <summary>The contact's companies, in the order they were attached, by page number.</summary>
    private static async Task<Ok<ContactCompaniesView>> ListForContactAsync(
        ApiCaller caller, CurrentCell cell, WorkspaceKeyRing keys, string contactId,
        [FromQuery(Name = "page")] int? page, [FromQuery(Name = "per_page")] int? perPage, CancellationToken ct)
    {
        var (number, size) = CompanyQueries.Paging(page, perPage);
        var cipher = await keys.WorkforceAsync(cell.Database, caller.WorkspaceId, ct);
        await using var db = cell.Database.CreateReadContext();
        await CompanyQueries.EnsureContactAsync(db, caller.WorkspaceId, contactId, ct);
        var links = db.ContactCompanies.Where(l => l.WorkspaceId == caller.WorkspaceId && l.ContactId == contactId);
        var total = await links.CountAsync(ct);
        var companyIds = await links.OrderBy(l => l.CreatedAt).ThenBy(l => l.CompanyId)
            .Skip((number - 1) * size).Take(size).Select(l => l.CompanyId).ToListAsync(ct);
        var rows = await db.Companies.AsNoTracking().InWorkspace(caller.WorkspaceId).Where(c => companyIds.Contains(c.Id)).ToListAsync(ct);
        var ordered = rows.OrderBy(c => companyIds.IndexOf(c.Id)).ToList();
        return TypedResults.Ok(new ContactCompaniesView(
            await CompanyQueries.ViewsAsync(db, cipher, ordered, ct), total, new PagesLinkView(number, size, (total + size - 1) / size)));
    }

    private static async Task<Ok<CompanyView>> AttachAsync(ApiCaller caller, CurrentCell cell, CompanyCommands commands, WorkspaceKeyRing keys, string contactId, CompanyRefInput? input, CancellationToken ct)
    {
        await commands.AttachAsync(cell.Database, caller.WorkspaceId, contactId, input, ct);
        return await CurrentViewAsync(caller, cell, keys, input!.Id!.Trim(), ct);
    }

    private static async Task<Ok<CompanyView>> DetachAsync(ApiCaller caller, CurrentCell cell, WorkspaceKeyRing keys, string contactId, string id, CancellationToken ct)
    {
        await CompanyCommands.DetachAsync(cell.Database, caller.WorkspaceId, contactId, id, ct);
        return await CurrentViewAsync(caller, cell, keys, id, ct);
    }

    private static async Task<Ok<CompanyView>> CurrentViewAsync(ApiCaller caller, CurrentCell cell, WorkspaceKeyRing keys, string id, CancellationToken ct)
    {
        var cipher = await keys.WorkforceAsync(cell.Database, caller.WorkspaceId, ct);
        await using var db = cell.Database.CreateReadContext();
        return TypedResults.Ok(await CompanyQueries.ViewAsync(db, cipher, await CompanyQueries.FindAsync(db, caller.WorkspaceId, id, ct), ct));
    }

    private static async Task<CompanyView> ViewAsync(CurrentCell cell, WorkspaceKeyRing keys, string workspaceId, Company company, CancellationToken ct)
    {
        var cipher = await keys.WorkforceAsync(cell.Database, workspaceId, ct);
        await using var db = cell.Database.CreateReadContext();
        return await CompanyQueries.ViewAsync(db, cipher, company, ct);
    }
}
