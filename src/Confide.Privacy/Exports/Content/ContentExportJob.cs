using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Confide.Data.Jobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Confide.Privacy.Exports.Content;

/// <summary>The data export job's payload: the range only.</summary>
internal sealed record ContentExportPayload(
    [property: JsonPropertyName("after")] long After,
    [property: JsonPropertyName("before")] long Before);

/// <summary>Where a data export stands: the phase, the segments written, the last message read, the rows so far and, once done, the expiry.</summary>
internal sealed record ContentExportCheckpoint(
    [property: JsonPropertyName("phase")] string Phase,
    [property: JsonPropertyName("segments")] int Segments = 0,
    [property: JsonPropertyName("after_message")] string? AfterMessage = null,
    [property: JsonPropertyName("rows")] long Rows = 0,
    [property: JsonPropertyName("expires_at")] long? ExpiresAt = null)
{
    public const string Read = "rows";
    public const string Assemble = "assemble";
    public const string Done = "done";
}

/// <summary>
/// <c>privacy.content_export</c>: Intercom's data export of a workspace's outbound messages, in
/// bounded steps like the subject export (and in its file layout, <see cref="SubjectExportFiles"/>):
/// step 1 makes the export's key; each following step reads a batch of messages and writes their
/// rows as one sealed CSV segment, moved into place, so a repeated step replaces its own segment;
/// the last step joins the segments into the sealed gzipped CSV, leaving out the rows of contacts
/// erased since their segment was written, and schedules the file's deletion at the subject
/// exports' expiry (<see cref="SubjectExportExpiryJob"/>). A range with no rows ends with no file.
/// </summary>
internal sealed partial class ContentExportJob(
    ContentExportReader reader, SubjectExportFiles files, JobQueue jobs, IOptions<SubjectExportOptions> options, TimeProvider time, ILogger<ContentExportJob> logger) : IJobHandler
{
    public const string JobKind = "privacy.content_export";

    public string Kind => JobKind;

    public async Task<JobStepResult> RunStepAsync(JobContext context, CancellationToken cancellationToken)
    {
        var payload = JsonSerializer.Deserialize<ContentExportPayload>(context.Payload!)!;
        var workspaceId = context.WorkspaceId!;
        var cell = context.Cell;
        var directory = files.Directory(cell.Region, context.JobId);
        var checkpoint = context.Checkpoint is null ? null : JsonSerializer.Deserialize<ContentExportCheckpoint>(context.Checkpoint);
        if (checkpoint is null)
        {
            await files.KeyAsync(cell, workspaceId, context.JobId, create: true, cancellationToken);
            return More(new ContentExportCheckpoint(ContentExportCheckpoint.Read), 0);
        }

        if (checkpoint.Phase != ContentExportCheckpoint.Read && !Directory.Exists(directory))
        {
            return NoData(context.JobId, workspaceId, checkpoint); // a repeat of a last step that found no rows and deleted the key
        }

        var key = await files.KeyAsync(cell, workspaceId, context.JobId, create: false, cancellationToken);
        if (checkpoint.Phase == ContentExportCheckpoint.Read)
        {
            var (rows, last) = await reader.BatchAsync(cell, workspaceId, new ContentExportRange(payload.After, payload.Before), checkpoint.AfterMessage, options.Value.ContentRowsPerStep, cancellationToken);
            if (last is null)
            {
                return More(checkpoint with { Phase = ContentExportCheckpoint.Assemble }, checkpoint.Rows);
            }

            var next = checkpoint with { AfterMessage = last, Rows = checkpoint.Rows + rows.Count };
            if (rows.Count > 0)
            {
                var path = ContentExportArchive.SegmentPath(directory, checkpoint.Segments);
                using (var sealedSegment = SubjectExportFiles.CreateSealed(path, context.JobId, key))
                using (var writer = new StreamWriter(sealedSegment, new UTF8Encoding(false), 1 << 16))
                {
                    foreach (var row in rows)
                    {
                        ContentExportCsv.WriteRow(writer, row);
                    }
                }

                SubjectExportFiles.Commit(path);
                next = next with { Segments = checkpoint.Segments + 1 };
            }

            return More(next, next.Rows);
        }

        var kept = await ContentExportArchive.AssembleAsync(cell, workspaceId, directory, context.JobId, key, checkpoint.Segments, cancellationToken);
        if (kept == 0)
        {
            // Intercom's no_data: nothing to download, so nothing is kept.
            files.Delete(cell.Region, context.JobId);
            return NoData(context.JobId, workspaceId, checkpoint);
        }

        var expiresAt = time.GetUtcNow() + options.Value.Retention;
        LogFinished(logger, context.JobId, workspaceId, kept);
        return JobStepResult.Completed(
            kept,
            kept,
            (db, ct) => jobs.EnqueueAsync(db, SubjectExportExpiryJob.Request(workspaceId, context.JobId, expiresAt), ct),
            JsonSerializer.Serialize(checkpoint with { Phase = ContentExportCheckpoint.Done, Rows = kept, ExpiresAt = expiresAt.ToUnixTimeSeconds() }));
    }

    private JobStepResult NoData(string exportId, string workspaceId, ContentExportCheckpoint checkpoint)
    {
        LogFinished(logger, exportId, workspaceId, 0);
        return JobStepResult.Completed(0, 0, checkpoint: JsonSerializer.Serialize(checkpoint with { Phase = ContentExportCheckpoint.Done, Rows = 0 }));
    }

    private static JobStepResult More(ContentExportCheckpoint checkpoint, long done) =>
        JobStepResult.More(JsonSerializer.Serialize(checkpoint), done);

    [LoggerMessage(EventId = 4510, EventName = "ContentExportFinished", Level = LogLevel.Information,
        Message = "Data export {ExportId} of workspace {WorkspaceId} finished with {Rows} rows")]
    private static partial void LogFinished(ILogger logger, string exportId, string workspaceId, long rows);
}
