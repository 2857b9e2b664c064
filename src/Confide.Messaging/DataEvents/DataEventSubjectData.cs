using Confide.Data;
using Confide.Data.Model;
using Confide.Messaging.Contacts;
using Confide.Messaging.Contacts.Erasure;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.DataEvents;

/// <summary>The contact's data events and event summaries, erased with the contact.</summary>
internal sealed class DataEventSubjectData : ISubjectDataHandler
{
    public string Category => ErasedCategories.DataEvents;

    public IReadOnlyCollection<Type> Entities { get; } = [typeof(DataEvent)];

    public async Task CountAsync(ConfideDbContext db, string workspaceId, string contactId, IDictionary<string, long> counts, CancellationToken cancellationToken) =>
        counts[Category] = await db.DataEvents.LongCountAsync(e => e.WorkspaceId == workspaceId && e.ContactId == contactId, cancellationToken);

    public async Task<SubjectDataBatch?> NextBatchAsync(CellDatabase cell, string workspaceId, string contactId, int batchSize, CancellationToken cancellationToken)
    {
        await using var db = cell.CreateReadContext();
        var ids = await db.DataEvents.Where(e => e.WorkspaceId == workspaceId && e.ContactId == contactId)
            .OrderBy(e => e.Id).Select(e => e.Id).Take(batchSize).ToListAsync(cancellationToken);
        return ids.Count == 0 ? null : new(ids.Count, (w, ct) => w.DataEvents.Where(e => ids.Contains(e.Id)).ExecuteDeleteAsync(ct));
    }

    public Task<Func<ConfideDbContext, CancellationToken, Task>> EraseManyAsync(CellDatabase cell, string workspaceId, IReadOnlyCollection<string> contactIds, CancellationToken cancellationToken) =>
        Task.FromResult<Func<ConfideDbContext, CancellationToken, Task>>((w, ct) =>
            w.DataEvents.Where(e => e.WorkspaceId == workspaceId && contactIds.Contains(e.ContactId)).ExecuteDeleteAsync(ct));

    /// <summary>The lead's events are the user's now, their metadata re-sealed under the user's key.</summary>
    public async Task MergeAsync(ConfideDbContext db, ContactMerge merge, CancellationToken cancellationToken)
    {
        var events = db.DataEvents.Where(e => e.WorkspaceId == merge.WorkspaceId && e.ContactId == merge.LeadId);
        foreach (var dataEvent in await events.AsTracking().Where(e => e.EncryptedMetadata != null).ToListAsync(cancellationToken))
        {
            db.Entry(dataEvent).Property(e => e.EncryptedMetadata).CurrentValue = merge.User.SealEventMetadata(dataEvent.Id, merge.Lead.Metadata(dataEvent));
        }

        await events.ExecuteUpdateAsync(s => s.SetProperty(e => e.ContactId, merge.UserId), cancellationToken);
    }
}
