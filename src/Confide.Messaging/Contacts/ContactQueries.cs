using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Messaging.Companies;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Contacts;

internal static class ContactQueries
{
    public static IQueryable<Contact> InWorkspace(this IQueryable<Contact> contacts, string workspaceId) =>
        contacts.Where(c => c.WorkspaceId == workspaceId);

    /// <summary>Tag ids per contact, for rendering a page of contacts with one extra query.</summary>
    public static async Task<ILookup<string, string>> TagIdsAsync(ConfideDbContext db, IReadOnlyCollection<string> contactIds, CancellationToken ct)
    {
        var rows = await db.ContactTags
            .Where(t => contactIds.Contains(t.ContactId))
            .OrderBy(t => t.CreatedAt)
            .Select(t => new { t.ContactId, t.TagId })
            .ToListAsync(ct);
        return rows.ToLookup(r => r.ContactId, r => r.TagId);
    }

    public static async Task<ContactView> ViewAsync(ConfideDbContext db, ContactKeyRing keys, CellDatabase cell, Contact contact, CancellationToken ct)
    {
        var cipher = await keys.ForContactAsync(cell, contact.WorkspaceId, contact.Id, ct);
        var tags = await TagIdsAsync(db, [contact.Id], ct);
        var companies = await CompanyQueries.CompanyIdsAsync(db, [contact.Id], ct);
        return ContactView.From(contact, cipher, [.. tags[contact.Id]], [.. companies[contact.Id]]);
    }

    public static async Task<ContactListView> PageAsync(ConfideDbContext db, ContactKeyRing keys, CellDatabase cell, IQueryable<Contact> filtered, int perPage, string? after, CancellationToken ct)
    {
        var total = await filtered.CountAsync(ct);
        var query = after is null ? filtered : filtered.Where(c => string.Compare(c.Id, after) < 0);
        var page = await query.OrderByDescending(c => c.Id).Take(perPage + 1).ToListAsync(ct);
        var hasMore = page.Count > perPage;
        if (hasMore)
        {
            page.RemoveAt(page.Count - 1);
        }

        var tags = await TagIdsAsync(db, [.. page.Select(c => c.Id)], ct);
        var companies = await CompanyQueries.CompanyIdsAsync(db, [.. page.Select(c => c.Id)], ct);
        var views = new List<ContactView>(page.Count);
        foreach (var contact in page)
        {
            // Rows of an erased contact (left by a crash or a restored backup) are not listed.
            if (await keys.TryForContactAsync(cell, contact.WorkspaceId, contact.Id, ct) is { } cipher)
            {
                views.Add(ContactView.From(contact, cipher, [.. tags[contact.Id]], [.. companies[contact.Id]]));
            }
        }

        return new ContactListView(views, total, Api.PagesView.For(views, perPage, total, hasMore, v => v.Id));
    }
}
