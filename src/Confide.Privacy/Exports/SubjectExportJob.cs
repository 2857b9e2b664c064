using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Confide.Crypto;
using Confide.Data.Jobs;
using Microsoft.Extensions.Options;

namespace Confide.Privacy.Exports;

/// <summary>The export job's payload: ids only.</summary>
internal sealed record SubjectExportPayload(
    [property: JsonPropertyName("request")] string RequestId,
    [property: JsonPropertyName("contact")] string ContactId);

/// <summary>Where an export job stands: which phase, how many segments are written, and the last part written.</summary>
internal sealed record SubjectExportCheckpoint(
    [property: JsonPropertyName("phase")] string Phase,
    [property: JsonPropertyName("segments")] int Segments,
    [property: JsonPropertyName("created_at")] long CreatedAt,
    [property: JsonPropertyName("conversation")] string? Conversation = null,
    [property: JsonPropertyName("sequence")] int Sequence = 0,
    [property: JsonPropertyName("expires_at")] long? ExpiresAt = null,
    [property: JsonPropertyName("activity_segments")] int ActivitySegments = 0,
    [property: JsonPropertyName("activity_after")] long ActivityAfter = -1)
{
    public const string Parts = "parts";
    public const string Activity = "activity";
    public const string Assemble = "assemble";
}

/// <summary>
/// <c>privacy.export</c>: builds one subject's archive in bounded steps. Step 1 makes the export's
/// key and writes the head segment (profile, tags, notes, conversations, privacy requests); each
/// following step writes one segment of <see cref="SubjectExportOptions.PartsPerStep"/>
/// conversation parts; then each step reads a batch of the workspace's activity log and writes
/// the entries naming the subject as one segment; the last step assembles the zip from the segments and schedules the
/// deletion of the archive at its expiry. Every segment is written under a temporary name and
/// moved into place, so a repeated step (after a crash or a takeover) replaces its own segment
/// and never adds a second copy; a step's checkpoint names the segments already committed.
/// </summary>
internal sealed class SubjectExportJob(
    SubjectExportReader reader, SubjectExportFiles files, JobQueue jobs, IOptions<SubjectExportOptions> options, TimeProvider time) : IJobHandler
{
    public const string JobKind = "privacy.export";

    public string Kind => JobKind;

    public async Task<JobStepResult> RunStepAsync(JobContext context, CancellationToken cancellationToken)
    {
        var payload = JsonSerializer.Deserialize<SubjectExportPayload>(context.Payload!)!;
        var workspaceId = context.WorkspaceId!;
        var checkpoint = context.Checkpoint is null ? null : JsonSerializer.Deserialize<SubjectExportCheckpoint>(context.Checkpoint);
        var cell = context.Cell;
        var directory = files.Directory(cell.Region, context.JobId);
        try
        {
            if (checkpoint is null)
            {
                var key = await files.KeyAsync(cell, workspaceId, context.JobId, create: true, cancellationToken);
                var (records, partCount) = await reader.ProfileAsync(cell, workspaceId, payload.ContactId, cancellationToken);
                var createdAt = time.GetUtcNow();
                var header = new ExportHeader(context.JobId, cell.Region.Code, workspaceId, payload.ContactId, createdAt);
                var groups = ExportGrouping.ByCategory(records);
                WriteSegment(SubjectExportArchive.SegmentPath(directory, 0, "json"), SubjectExportArchive.SegmentPath(directory, 0, "html"), context.JobId, key,
                    json => SubjectExportDocument.WriteJsonHead(json, header, groups),
                    html => SubjectExportDocument.WriteHtmlHead(html, header, groups));
                return More(new SubjectExportCheckpoint(SubjectExportCheckpoint.Parts, 1, createdAt.ToUnixTimeSeconds()), 0, partCount);
            }

            if (checkpoint.Phase == SubjectExportCheckpoint.Parts)
            {
                var key = await files.KeyAsync(cell, workspaceId, context.JobId, create: false, cancellationToken);
                var parts = await reader.PartsAsync(cell, workspaceId, payload.ContactId, checkpoint.Conversation, checkpoint.Sequence, options.Value.PartsPerStep, cancellationToken);
                if (parts.Count == 0)
                {
                    return More(checkpoint with { Phase = SubjectExportCheckpoint.Activity }, context.ProgressDone, context.ProgressTotal);
                }

                WriteSegment(SubjectExportArchive.SegmentPath(directory, checkpoint.Segments, "json"), SubjectExportArchive.SegmentPath(directory, checkpoint.Segments, "html"), context.JobId, key,
                    json => SubjectExportDocument.WriteJsonParts(json, parts),
                    html => SubjectExportDocument.WriteHtmlParts(html, parts));
                var last = parts[^1];
                var next = checkpoint with
                {
                    Segments = checkpoint.Segments + 1,
                    Conversation = (string)last.Context[0].Value!,
                    Sequence = (int)last.Context[1].Value!,
                };
                var done = context.ProgressDone + parts.Count;
                return More(next, done, Math.Max(done, context.ProgressTotal ?? 0));
            }

            if (checkpoint.Phase == SubjectExportCheckpoint.Activity)
            {
                var key = await files.KeyAsync(cell, workspaceId, context.JobId, create: false, cancellationToken);
                var (last, naming) = await reader.ActivityAsync(cell, workspaceId, payload.ContactId, checkpoint.ActivityAfter, options.Value.ActivityEntriesPerStep, cancellationToken);
                if (last is null)
                {
                    return More(checkpoint with { Phase = SubjectExportCheckpoint.Assemble }, context.ProgressDone, context.ProgressTotal);
                }

                var index = checkpoint.ActivitySegments;
                WriteSegment(SubjectExportArchive.ActivityPath(directory, index, "json"), SubjectExportArchive.ActivityPath(directory, index, "html"), context.JobId, key,
                    json => SubjectExportDocument.WriteJsonParts(json, naming),
                    html => SubjectExportDocument.WriteHtmlActivity(html, naming));
                return More(checkpoint with { ActivitySegments = index + 1, ActivityAfter = last.Value }, context.ProgressDone, context.ProgressTotal);
            }

            var archiveKey = await files.KeyAsync(cell, workspaceId, context.JobId, create: false, cancellationToken);
            SubjectExportArchive.Assemble(directory, context.JobId, archiveKey, checkpoint.Segments, checkpoint.ActivitySegments);
            var expiresAt = time.GetUtcNow() + options.Value.Retention;
            return JobStepResult.Completed(
                context.ProgressDone,
                context.ProgressDone,
                (db, ct) => jobs.EnqueueAsync(db, SubjectExportExpiryJob.Request(workspaceId, context.JobId, expiresAt), ct),
                JsonSerializer.Serialize(checkpoint with { Phase = "done", ExpiresAt = expiresAt.ToUnixTimeSeconds() }));
        }
        catch (ContactErasedException)
        {
            files.Delete(cell.Region, context.JobId);
            return JobStepResult.Failed("export.subject_erased");
        }
    }

    private static JobStepResult More(SubjectExportCheckpoint checkpoint, long done, long? total) =>
        JobStepResult.More(JsonSerializer.Serialize(checkpoint), done, total);

    /// <summary>Writes one segment (its JSON and its HTML piece), each sealed, each replacing a copy a repeated step left.</summary>
    private static void WriteSegment(string jsonPath, string htmlPath, string exportId, byte[] key, Action<Stream> json, Action<TextWriter> html)
    {
        using (var sealedJson = SubjectExportFiles.CreateSealed(jsonPath, exportId, key))
        {
            json(sealedJson);
        }

        SubjectExportFiles.Commit(jsonPath);
        using (var sealedHtml = SubjectExportFiles.CreateSealed(htmlPath, exportId, key))
        using (var writer = new StreamWriter(sealedHtml, new UTF8Encoding(false), 1 << 16))
        {
            html(writer);
        }

        SubjectExportFiles.Commit(htmlPath);
    }
}
