using Confide.Data;
using Confide.Data.Model;
using Confide.Messaging.Contacts;
using Confide.Messaging.Contacts.Erasure;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Search;

/// <summary>
/// The search tokens about the contact (ADR 0015) — of its own fields and of its conversations —
/// erased with it. They are keyed hashes, useless without the workspace's key, but they still
/// stand for the subject's values, so they go like the values do.
/// </summary>
internal sealed class SearchTokenSubjectData : ISubjectDataHandler
{
    public string Category => ErasedCategories.SearchTokens;

    public IReadOnlyCollection<Type> Entities { get; } = [typeof(SearchToken)];

    public async Task CountAsync(ConfideDbContext db, string workspaceId, string contactId, IDictionary<string, long> counts, CancellationToken cancellationToken) =>
        counts[Category] = await Of(db, workspaceId, contactId).LongCountAsync(cancellationToken);

    public async Task<SubjectDataBatch?> NextBatchAsync(CellDatabase cell, string workspaceId, string contactId, int batchSize, CancellationToken cancellationToken)
    {
        await using var db = cell.CreateReadContext();
        // Tokens go a whole owner at a time: owners in order, up to a batch of tokens (at least one owner).
        var owners = await Of(db, workspaceId, contactId).GroupBy(t => t.OwnerId).OrderBy(g => g.Key)
            .Select(g => new { OwnerId = g.Key, Count = g.Count() }).Take(batchSize).ToListAsync(cancellationToken);
        if (owners.Count == 0)
        {
            return null;
        }

        var ids = new List<string>();
        var count = 0;
        foreach (var owner in owners)
        {
            if (ids.Count > 0 && count + owner.Count > batchSize)
            {
                break;
            }

            ids.Add(owner.OwnerId);
            count += owner.Count;
        }

        return new(count, (w, ct) => w.SearchTokens.Where(t => t.WorkspaceId == workspaceId && t.ContactId == contactId && ids.Contains(t.OwnerId)).ExecuteDeleteAsync(ct));
    }

    public Task<Func<ConfideDbContext, CancellationToken, Task>> EraseManyAsync(CellDatabase cell, string workspaceId, IReadOnlyCollection<string> contactIds, CancellationToken cancellationToken) =>
        Task.FromResult<Func<ConfideDbContext, CancellationToken, Task>>((w, ct) =>
            w.SearchTokens.Where(t => t.WorkspaceId == workspaceId && contactIds.Contains(t.ContactId)).ExecuteDeleteAsync(ct));

    /// <summary>
    /// The tokens of the lead's conversations go with them to the user (tokens are keyed by the
    /// workspace, not the contact, so they stay valid); the lead's own are dropped, and the user's
    /// own are rebuilt once the profiles are merged (<see cref="Contacts.ContactMerging"/>).
    /// </summary>
    public async Task MergeAsync(ConfideDbContext db, ContactMerge merge, CancellationToken cancellationToken)
    {
        await db.SearchTokens.Where(t => t.WorkspaceId == merge.WorkspaceId && t.ContactId == merge.LeadId && t.OwnerId == merge.LeadId)
            .ExecuteDeleteAsync(cancellationToken);
        await db.SearchTokens.Where(t => t.WorkspaceId == merge.WorkspaceId && t.ContactId == merge.LeadId)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.ContactId, merge.UserId), cancellationToken);
    }

    private static IQueryable<SearchToken> Of(ConfideDbContext db, string workspaceId, string contactId) =>
        db.SearchTokens.Where(t => t.WorkspaceId == workspaceId && t.ContactId == contactId);
}
