using Confide.Data;
using Confide.Data.Model;
using Confide.Messaging.Contacts.Erasure;
using Microsoft.EntityFrameworkCore;

namespace Confide.Privacy.Requests;

/// <summary>
/// The subject's own identifiers on their other privacy requests (the address or id they wrote
/// from, the reasons given): removed, so that after erasure only the keyed hash of what they gave
/// stays. Their open erasure request is completed, and cleared the same way, by the erasure's last step.
/// </summary>
internal sealed class PrivacyRequestSubjectData : ISubjectDataHandler
{
    public string Category => "privacy_request_identifiers";

    public IReadOnlyCollection<Type> Entities { get; } = [typeof(PrivacyRequest)];

    public async Task CountAsync(ConfideDbContext db, string workspaceId, string contactId, IDictionary<string, long> counts, CancellationToken cancellationToken) =>
        counts[Category] = await WithIdentifiers(db, workspaceId, contactId).LongCountAsync(cancellationToken);

    public async Task<SubjectDataBatch?> NextBatchAsync(CellDatabase cell, string workspaceId, string contactId, int batchSize, CancellationToken cancellationToken)
    {
        await using var db = cell.CreateReadContext();
        var ids = await WithIdentifiers(db, workspaceId, contactId).OrderBy(r => r.Id).Select(r => r.Id).Take(batchSize).ToListAsync(cancellationToken);
        return ids.Count == 0 ? null : new(ids.Count, (w, ct) => w.PrivacyRequests.Where(r => ids.Contains(r.Id)).ExecuteUpdateAsync(
            s => s.SetProperty(r => r.EncryptedSubjectEmail, (byte[]?)null)
                .SetProperty(r => r.EncryptedSubjectExternalId, (byte[]?)null)
                .SetProperty(r => r.EncryptedSubjectPhone, (byte[]?)null),
            ct));
    }

    public Task<Func<ConfideDbContext, CancellationToken, Task>> EraseManyAsync(CellDatabase cell, string workspaceId, IReadOnlyCollection<string> contactIds, CancellationToken cancellationToken) =>
        Task.FromResult<Func<ConfideDbContext, CancellationToken, Task>>((w, ct) => w.PrivacyRequests
            .Where(r => r.WorkspaceId == workspaceId && r.ContactId != null && contactIds.Contains(r.ContactId)
                && (r.EncryptedSubjectEmail != null || r.EncryptedSubjectExternalId != null || r.EncryptedSubjectPhone != null))
            .ExecuteUpdateAsync(
                s => s.SetProperty(r => r.EncryptedSubjectEmail, (byte[]?)null)
                    .SetProperty(r => r.EncryptedSubjectExternalId, (byte[]?)null)
                    .SetProperty(r => r.EncryptedSubjectPhone, (byte[]?)null),
                ct));

    /// <summary>
    /// A privacy request stays the lead's: it was made about that record, and the lead's erasure
    /// (which the merge starts) clears its identifiers and completes its open erasure requests.
    /// </summary>
    public Task MergeAsync(ConfideDbContext db, ContactMerge merge, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Requests about the contact still holding one of its identifiers, but for open erasure requests (the last step completes those).</summary>
    private static IQueryable<PrivacyRequest> WithIdentifiers(ConfideDbContext db, string workspaceId, string contactId) =>
        db.PrivacyRequests.Where(r => r.WorkspaceId == workspaceId && r.ContactId == contactId
            && !(r.Kind == PrivacyRequestKinds.Erasure && PrivacyRequestStates.Open.Contains(r.State))
            && (r.EncryptedSubjectEmail != null || r.EncryptedSubjectExternalId != null || r.EncryptedSubjectPhone != null));
}
