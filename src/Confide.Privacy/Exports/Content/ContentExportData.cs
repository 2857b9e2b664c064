using System.Text.Json;
using Confide.Data;
using Confide.Data.Model;
using Confide.Messaging.Contacts;
using Confide.Messaging.Contacts.Erasure;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Confide.Privacy.Exports.Content;

/// <summary>
/// An erased contact's rows leave every data export still held, before the erasure is
/// acknowledged, as a subject export goes with its subject: the files are sealed under the
/// workspace's key, so destroying the contact's key alone would leave the rows readable until the
/// file expires. The other contacts' rows stay. The purge and the batched erasure do the same
/// (safe to repeat); a job still reading leaves out contacts erased before it joins its file.
/// </summary>
internal sealed partial class ContentExportData(SubjectExportFiles files, TimeProvider time, ILogger<ContentExportData> logger) : ISubjectDataHandler, IContactErasureCompletion
{
    public string Category => "data_export_rows";

    /// <summary>The rows are in files named by their job; no table holds them.</summary>
    public IReadOnlyCollection<Type> Entities { get; } = [];

    /// <summary>The contact's outbound messages in the ranges of the finished exports still held: the rows those files hold of them.</summary>
    public async Task CountAsync(ConfideDbContext db, string workspaceId, string contactId, IDictionary<string, long> counts, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var held = (await db.Jobs.AsNoTracking().Where(j => j.WorkspaceId == workspaceId && j.Kind == ContentExportJob.JobKind && j.State == JobStates.Completed)
                .Select(j => new { j.Payload, j.Checkpoint }).ToListAsync(cancellationToken))
            .Where(j => j.Checkpoint is not null && JsonSerializer.Deserialize<ContentExportCheckpoint>(j.Checkpoint) is { Rows: > 0, ExpiresAt: { } expiry } && expiry > now)
            .Select(j => JsonSerializer.Deserialize<ContentExportPayload>(j.Payload!)!)
            .ToList();
        long rows = 0;
        foreach (var range in held)
        {
            var from = DateTimeOffset.FromUnixTimeSeconds(range.After);
            var to = DateTimeOffset.FromUnixTimeSeconds(range.Before);
            rows += await db.ConversationParts.CountAsync(p => p.WorkspaceId == workspaceId && p.Sequence == 1 && p.AuthorType == "admin" && p.PartType == PartTypes.Comment
                && p.CreatedAt >= from && p.CreatedAt <= to
                && db.Conversations.Any(c => c.Id == p.ConversationId && c.WorkspaceId == workspaceId && c.ContactId == contactId), cancellationToken);
        }

        counts[Category] = rows;
    }

    public Task AcknowledgedAsync(CellDatabase cell, string workspaceId, string contactId, CancellationToken cancellationToken) =>
        DropAsync(cell, workspaceId, new HashSet<string>(StringComparer.Ordinal) { contactId }, cancellationToken);

    public async Task<SubjectDataBatch?> NextBatchAsync(CellDatabase cell, string workspaceId, string contactId, int batchSize, CancellationToken cancellationToken)
    {
        await DropAsync(cell, workspaceId, new HashSet<string>(StringComparer.Ordinal) { contactId }, cancellationToken);
        return null;
    }

    public async Task<Func<ConfideDbContext, CancellationToken, Task>> EraseManyAsync(CellDatabase cell, string workspaceId, IReadOnlyCollection<string> contactIds, CancellationToken cancellationToken)
    {
        await DropAsync(cell, workspaceId, contactIds.ToHashSet(StringComparer.Ordinal), cancellationToken);
        return (_, _) => Task.CompletedTask;
    }

    /// <summary>A lead's rows keep the lead's id (they record who received the message); they go when the merge erases the lead.</summary>
    public Task MergeAsync(ConfideDbContext db, ContactMerge merge, CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task DropAsync(CellDatabase cell, string workspaceId, HashSet<string> contactIds, CancellationToken ct)
    {
        List<string> exports;
        await using (var db = cell.CreateReadContext())
        {
            // A workspace's data exports are few (one at a time, each expiring); those with files on disk are checked.
            exports = await db.Jobs.AsNoTracking().Where(j => j.WorkspaceId == workspaceId && j.Kind == ContentExportJob.JobKind && j.State != JobStates.Failed)
                .Select(j => j.Id).ToListAsync(ct);
        }

        foreach (var id in exports)
        {
            var directory = files.Directory(cell.Region, id);
            if (!Directory.Exists(directory))
            {
                continue;
            }

            try
            {
                var key = await files.KeyAsync(cell, workspaceId, id, create: false, ct);
                var dropped = ContentExportArchive.DropRows(directory, id, key, contactIds.Contains);
                if (dropped > 0)
                {
                    LogRowsDropped(logger, id, workspaceId, dropped);
                }
            }
            catch (Exception e) when (e is IOException or ConfideException)
            {
                // Deleted at its expiry meanwhile, or a file still being written: the purge repeats this.
                LogNotRewritten(logger, id, workspaceId, e.GetType().Name);
            }
        }
    }

    [LoggerMessage(EventId = 4511, EventName = "ContentExportRowsErased", Level = LogLevel.Information,
        Message = "Data export {ExportId} of workspace {WorkspaceId}: {Rows} rows of erased contacts removed")]
    private static partial void LogRowsDropped(ILogger logger, string exportId, string workspaceId, long rows);

    [LoggerMessage(EventId = 4512, EventName = "ContentExportNotRewritten", Level = LogLevel.Warning,
        Message = "Data export {ExportId} of workspace {WorkspaceId} could not be rewritten for an erasure now ({Reason}); the purge tries again")]
    private static partial void LogNotRewritten(ILogger logger, string exportId, string workspaceId, string reason);
}
