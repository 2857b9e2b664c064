using Confide.Data;
using Confide.Data.Jobs;
using Confide.Data.Model;
using Confide.Messaging.Contacts;
using Confide.Messaging.Contacts.Erasure;
using Microsoft.EntityFrameworkCore;

namespace Confide.Privacy.Exports;

/// <summary>
/// An erased subject's exports go with them, before the erasure is acknowledged: their archives
/// are sealed under the workspace's key, not the contact's, so destroying the contact key alone
/// would leave them readable until they expire. The purge repeats it (after a crash in between)
/// and cancels a queued export; a running one stops by itself when it finds the subject gone.
/// </summary>
internal sealed class SubjectExportData(SubjectExportFiles files) : ISubjectDataHandler, IContactErasureCompletion
{
    public string Category => "subject_exports";

    /// <summary>Archives are files named by their job; no table holds a subject's data for them.</summary>
    public IReadOnlyCollection<Type> Entities { get; } = [];

    public async Task CountAsync(ConfideDbContext db, string workspaceId, string contactId, IDictionary<string, long> counts, CancellationToken cancellationToken) =>
        counts[Category] = await Exports(db, workspaceId, contactId).LongCountAsync(cancellationToken);

    public async Task AcknowledgedAsync(CellDatabase cell, string workspaceId, string contactId, CancellationToken cancellationToken)
    {
        await using var db = cell.CreateReadContext();
        foreach (var id in await Exports(db, workspaceId, contactId).Select(j => j.Id).ToListAsync(cancellationToken))
        {
            try
            {
                files.Delete(cell.Region, id);
            }
            catch (IOException)
            {
                // Still being written after every retry: the erasure is not refused for it. The
                // purge deletes the files again (NextBatchAsync), and the export job, finding its
                // subject erased, deletes them too.
            }
        }
    }

    public async Task<SubjectDataBatch?> NextBatchAsync(CellDatabase cell, string workspaceId, string contactId, int batchSize, CancellationToken cancellationToken)
    {
        await using var db = cell.CreateReadContext();
        var exports = await Exports(db, workspaceId, contactId).Select(j => new { j.Id, j.State }).ToListAsync(cancellationToken);
        var deleted = exports.Count(e => files.Delete(cell.Region, e.Id));
        var queued = exports.Where(e => e.State == JobStates.Queued).Select(e => e.Id).ToList();
        if (deleted == 0 && queued.Count == 0)
        {
            return null;
        }

        return new(deleted, (w, ct) => w.Jobs.Where(j => queued.Contains(j.Id) && j.State == JobStates.Queued)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.State, JobStates.Cancelled), ct));
    }

    public async Task<Func<ConfideDbContext, CancellationToken, Task>> EraseManyAsync(CellDatabase cell, string workspaceId, IReadOnlyCollection<string> contactIds, CancellationToken cancellationToken)
    {
        // A workspace's export jobs are few (they expire); their payload names the contact, matched here.
        var wanted = contactIds.ToHashSet(StringComparer.Ordinal);
        await using var db = cell.CreateReadContext();
        var exports = await db.Jobs.Where(j => j.WorkspaceId == workspaceId && j.Kind == SubjectExportJob.JobKind && j.Payload != null)
            .Select(j => new { j.Id, j.State, j.Payload }).ToListAsync(cancellationToken);
        var theirs = exports.Where(e => ContactOf(e.Payload!) is { } contact && wanted.Contains(contact)).ToList();
        foreach (var export in theirs)
        {
            files.Delete(cell.Region, export.Id);
        }

        var queued = theirs.Where(e => e.State == JobStates.Queued).Select(e => e.Id).ToList();
        return (w, ct) => queued.Count == 0 ? Task.CompletedTask : w.Jobs.Where(j => queued.Contains(j.Id) && j.State == JobStates.Queued)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.State, JobStates.Cancelled), ct);
    }

    /// <summary>
    /// The lead's exports are not moved: they are the lead's own archives (sealed under the workspace's
    /// key), deleted when the merge acknowledges the lead's erasure (<see cref="AcknowledgedAsync"/>).
    /// </summary>
    public Task MergeAsync(ConfideDbContext db, ContactMerge merge, CancellationToken cancellationToken) => Task.CompletedTask;

    private static string? ContactOf(string payload)
    {
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(payload);
            return json.RootElement.TryGetProperty("contact", out var contact) && contact.ValueKind == System.Text.Json.JsonValueKind.String ? contact.GetString() : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static IQueryable<Job> Exports(ConfideDbContext db, string workspaceId, string contactId)
    {
        // The payload holds ids only ({"request":…,"contact":…}); the contact id is matched exactly, quoted.
        var contactMember = $"\"contact\":\"{contactId}\"";
        return db.Jobs.Where(j => j.WorkspaceId == workspaceId && j.Kind == SubjectExportJob.JobKind && j.Payload != null && j.Payload.Contains(contactMember));
    }
}
