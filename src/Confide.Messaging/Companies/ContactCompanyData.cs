using Confide.Data;
using Confide.Data.Model;
using Confide.Messaging.Contacts;
using Confide.Messaging.Contacts.Erasure;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Companies;

/// <summary>The contact's links to companies (the companies themselves are the workspace's and stay).</summary>
internal sealed class ContactCompanyData : ISubjectDataHandler
{
    public string Category => ErasedCategories.Companies;

    public IReadOnlyCollection<Type> Entities { get; } = [typeof(ContactCompany)];

    public async Task CountAsync(ConfideDbContext db, string workspaceId, string contactId, IDictionary<string, long> counts, CancellationToken cancellationToken) =>
        counts[Category] = await db.ContactCompanies.LongCountAsync(l => l.WorkspaceId == workspaceId && l.ContactId == contactId, cancellationToken);

    public async Task<SubjectDataBatch?> NextBatchAsync(CellDatabase cell, string workspaceId, string contactId, int batchSize, CancellationToken cancellationToken)
    {
        await using var db = cell.CreateReadContext();
        var companyIds = await db.ContactCompanies.Where(l => l.WorkspaceId == workspaceId && l.ContactId == contactId)
            .OrderBy(l => l.CompanyId).Select(l => l.CompanyId).Take(batchSize).ToListAsync(cancellationToken);
        return companyIds.Count == 0 ? null : new(companyIds.Count, (w, ct) =>
            w.ContactCompanies.Where(l => l.ContactId == contactId && companyIds.Contains(l.CompanyId)).ExecuteDeleteAsync(ct));
    }

    public Task<Func<ConfideDbContext, CancellationToken, Task>> EraseManyAsync(CellDatabase cell, string workspaceId, IReadOnlyCollection<string> contactIds, CancellationToken cancellationToken) =>
        Task.FromResult<Func<ConfideDbContext, CancellationToken, Task>>((w, ct) =>
            w.ContactCompanies.Where(l => l.WorkspaceId == workspaceId && contactIds.Contains(l.ContactId)).ExecuteDeleteAsync(ct));

    /// <summary>The lead's companies become the user's (a company both belong to stays once); nothing is sealed.</summary>
    public async Task MergeAsync(ConfideDbContext db, ContactMerge merge, CancellationToken cancellationToken)
    {
        var theirs = await db.ContactCompanies.Where(l => l.WorkspaceId == merge.WorkspaceId && l.ContactId == merge.UserId).Select(l => l.CompanyId).ToListAsync(cancellationToken);
        foreach (var link in await db.ContactCompanies.AsNoTracking().Where(l => l.WorkspaceId == merge.WorkspaceId && l.ContactId == merge.LeadId && !theirs.Contains(l.CompanyId)).ToListAsync(cancellationToken))
        {
            db.ContactCompanies.Add(new ContactCompany { WorkspaceId = link.WorkspaceId, ContactId = merge.UserId, CompanyId = link.CompanyId, CreatedAt = link.CreatedAt });
        }

        await db.ContactCompanies.Where(l => l.WorkspaceId == merge.WorkspaceId && l.ContactId == merge.LeadId).ExecuteDeleteAsync(cancellationToken);
    }
}
