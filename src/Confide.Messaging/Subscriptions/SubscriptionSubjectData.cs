using Confide.Data;
using Confide.Data.Model;
using Confide.Messaging.Contacts;
using Confide.Messaging.Contacts.Erasure;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Subscriptions;

/// <summary>
/// The contact's consent records (every change of their subscriptions), erased with the contact.
/// What stays is the activity log's entry of each change, which names the contact by its id only
/// (docs/subscriptions.md).
/// </summary>
internal sealed class SubscriptionSubjectData : ISubjectDataHandler
{
    public string Category => ErasedCategories.SubscriptionChanges;

    public IReadOnlyCollection<Type> Entities { get; } = [typeof(ContactSubscriptionChange)];

    public async Task CountAsync(ConfideDbContext db, string workspaceId, string contactId, IDictionary<string, long> counts, CancellationToken cancellationToken) =>
        counts[Category] = await db.ContactSubscriptionChanges.LongCountAsync(c => c.WorkspaceId == workspaceId && c.ContactId == contactId, cancellationToken);

    public async Task<SubjectDataBatch?> NextBatchAsync(CellDatabase cell, string workspaceId, string contactId, int batchSize, CancellationToken cancellationToken)
    {
        await using var db = cell.CreateReadContext();
        var ids = await db.ContactSubscriptionChanges.Where(c => c.WorkspaceId == workspaceId && c.ContactId == contactId)
            .OrderBy(c => c.Id).Select(c => c.Id).Take(batchSize).ToListAsync(cancellationToken);
        return ids.Count == 0 ? null : new(ids.Count, (w, ct) => w.ContactSubscriptionChanges.Where(c => ids.Contains(c.Id)).ExecuteDeleteAsync(ct));
    }

    public Task<Func<ConfideDbContext, CancellationToken, Task>> EraseManyAsync(CellDatabase cell, string workspaceId, IReadOnlyCollection<string> contactIds, CancellationToken cancellationToken) =>
        Task.FromResult<Func<ConfideDbContext, CancellationToken, Task>>((w, ct) =>
            w.ContactSubscriptionChanges.Where(c => c.WorkspaceId == workspaceId && contactIds.Contains(c.ContactId)).ExecuteDeleteAsync(ct));

    /// <summary>
    /// The lead's consent records move to the user for the subscription types the user has made no
    /// choice about; where the user has, the user's choice stands (as their attributes do) and the
    /// lead's records are erased with the lead.
    /// </summary>
    public Task MergeAsync(ConfideDbContext db, ContactMerge merge, CancellationToken cancellationToken)
    {
        var usersTypes = db.ContactSubscriptionChanges.Where(c => c.WorkspaceId == merge.WorkspaceId && c.ContactId == merge.UserId).Select(c => c.SubscriptionTypeId);
        return db.ContactSubscriptionChanges
            .Where(c => c.WorkspaceId == merge.WorkspaceId && c.ContactId == merge.LeadId && !usersTypes.Contains(c.SubscriptionTypeId))
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.ContactId, merge.UserId), cancellationToken);
    }
}
