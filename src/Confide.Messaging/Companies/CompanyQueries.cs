using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Messaging.Api;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Companies;

internal static class CompanyQueries
{
    /// <summary>Intercom's default page size for companies.</summary>
    public const int DefaultPerPage = 15;

    /// <summary>Intercom caps page-number listing at 10,000 companies; the scroll goes further.</summary>
    public const int MaxPage = 10_000;

    /// <summary>How many companies a page of the scroll holds.</summary>
    public const int ScrollSize = 50;

    /// <summary>How many companies the contact object lists (the rest through its URL).</summary>
    public const int ContactListed = 10;

    public static IQueryable<Company> InWorkspace(this IQueryable<Company> companies, string workspaceId) =>
        companies.Where(c => c.WorkspaceId == workspaceId);

    /// <summary>The company, or 404 <c>company_not_found</c>.</summary>
    public static async Task<Company> FindAsync(ConfideDbContext db, string workspaceId, string id, CancellationToken ct) =>
        (PublicIds.IsEntityId(id) ? await db.Companies.AsNoTracking().InWorkspace(workspaceId).FirstOrDefaultAsync(c => c.Id == id, ct) : null)
            ?? throw new ConfideException(CompanyErrors.NotFound);

    /// <summary>404 <c>not_found</c> unless the contact is in the workspace (and not being erased).</summary>
    public static async Task EnsureContactAsync(ConfideDbContext db, string workspaceId, string contactId, CancellationToken ct)
    {
        if (!PublicIds.IsEntityId(contactId) || !await db.Contacts.AnyAsync(c => c.WorkspaceId == workspaceId && c.Id == contactId, ct))
        {
            throw new ConfideException(ConfideError.NotFound("User"));
        }
    }

    /// <summary>Page and page size of Intercom's page-number lists; out of range is a 400.</summary>
    public static (int Page, int PerPage) Paging(int? page, int? perPage)
    {
        var size = PageSize.Resolve(perPage, DefaultPerPage);
        return page switch
        {
            null => (1, size),
            < 1 or > MaxPage => throw new ConfideException(ConfideError.ParameterInvalid($"page must be between 1 and {MaxPage}")),
            _ => (page.Value, size),
        };
    }

    public static PagesView Pages(int page, int perPage, int total) => new(perPage, (total + perPage - 1) / perPage, null, page);

    public static async Task<CompanyView> ViewAsync(ConfideDbContext db, WorkforceCipher cipher, Company company, CancellationToken ct) =>
        (await ViewsAsync(db, cipher, [company], ct))[0];

    /// <summary>The companies as Intercom objects: their tags and user counts in two queries for the lot.</summary>
    public static async Task<IReadOnlyList<CompanyView>> ViewsAsync(ConfideDbContext db, WorkforceCipher cipher, IReadOnlyList<Company> companies, CancellationToken ct)
    {
        if (companies.Count == 0)
        {
            return [];
        }

        var ids = companies.Select(c => c.Id).ToList();
        var tagRows = await db.CompanyTags.Where(l => ids.Contains(l.CompanyId))
            .Join(db.Tags, l => l.TagId, t => t.Id, (l, t) => new { l.CompanyId, t.Id, t.Name, l.CreatedAt })
            .ToListAsync(ct);
        var tags = tagRows.OrderBy(t => t.CreatedAt).ThenBy(t => t.Id, StringComparer.Ordinal).ToLookup(t => t.CompanyId, t => new CompanyTagView(t.Id, t.Name));
        // Contacts being erased are hidden by the model's filter, so they are not counted.
        var counts = await db.ContactCompanies.Where(l => ids.Contains(l.CompanyId) && db.Contacts.Any(c => c.Id == l.ContactId))
            .GroupBy(l => l.CompanyId)
            .Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        return [.. companies.Select(c => CompanyView.From(c, cipher, [.. tags[c.Id]], counts.GetValueOrDefault(c.Id)))];
    }

    /// <summary>A page of companies, newest first (or oldest first), with the total.</summary>
    public static async Task<CompanyListView> PageAsync(ConfideDbContext db, WorkforceCipher cipher, IQueryable<Company> filtered, int page, int perPage, bool ascending, CancellationToken ct)
    {
        var total = await filtered.CountAsync(ct);
        var ordered = ascending ? filtered.OrderBy(c => c.Id) : filtered.OrderByDescending(c => c.Id);
        var rows = await ordered.Skip((page - 1) * perPage).Take(perPage).AsNoTracking().ToListAsync(ct);
        return new CompanyListView(await ViewsAsync(db, cipher, rows, ct), total, Pages(page, perPage, total));
    }

    /// <summary>The companies of each contact, in the order they were attached, for rendering contacts.</summary>
    public static async Task<ILookup<string, string>> CompanyIdsAsync(ConfideDbContext db, IReadOnlyCollection<string> contactIds, CancellationToken ct)
    {
        var rows = await db.ContactCompanies
            .Where(l => contactIds.Contains(l.ContactId))
            .Select(l => new { l.ContactId, l.CompanyId, l.CreatedAt })
            .ToListAsync(ct);
        return rows.OrderBy(r => r.CreatedAt).ThenBy(r => r.CompanyId, StringComparer.Ordinal).ToLookup(r => r.ContactId, r => r.CompanyId);
    }
}
