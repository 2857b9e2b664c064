using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Data;
using Confide.Data.Jobs;
using Confide.Data.Model;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Confide.Privacy.Exports.Content;

/// <summary>
/// Intercom's data export (<c>/export/content/data</c>, docs/api.md "Data export"): starts the
/// export of a range, reads and cancels it, and opens its file for a download. The export's id is
/// its job's id; the job's payload holds the range only. One export at a time per workspace, as
/// Intercom allows.
/// </summary>
public sealed class ContentExportCommands(JobQueue jobs, SubjectExportFiles files, ActivityLog log, IOptions<SubjectExportOptions> options, TimeProvider time)
{
    /// <summary>The longest range one export covers.</summary>
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(366);

    public async Task<ContentExportView> StartAsync(CellDatabase cell, string workspaceId, JsonElement body, ActivityActor actor, string downloadBase, CancellationToken cancellationToken)
    {
        var range = Parse(body);
        var job = await cell.Writer.WriteAsync(async (db, ct) =>
        {
            if (await db.Jobs.AnyAsync(j => j.WorkspaceId == workspaceId && j.Kind == ContentExportJob.JobKind && (j.State == JobStates.Queued || j.State == JobStates.Running), ct))
            {
                throw new ConfideException(new ConfideError(HttpStatusCode.TooManyRequests, "rate_limit_exceeded",
                    "A data export of this workspace is already pending or in progress; wait for it to finish or cancel it"));
            }

            var job = await jobs.EnqueueAsync(db, new JobRequest(ContentExportJob.JobKind, workspaceId,
                Payload: JsonSerializer.Serialize(new ContentExportPayload(range.After, range.Before))), ct);
            await log.AppendAsync(db, cell, workspaceId, new ActivityEvent(
                ActivityTypes.AppDataExport, actor, "A data export of outbound messages was started.", new ActivityTarget("data_export", job.Id),
                new JsonObject { ["created_at_after"] = range.After, ["created_at_before"] = range.Before, ["expires_after_days"] = options.Value.Retention.TotalDays }), ct);
            return job;
        }, cancellationToken);
        jobs.Wake(cell);
        return View(cell, job, downloadBase);
    }

    public async Task<ContentExportView> GetAsync(CellDatabase cell, string workspaceId, string jobIdentifier, string downloadBase, CancellationToken ct) =>
        View(cell, await FindAsync(cell, workspaceId, jobIdentifier, ct), downloadBase);

    /// <summary>Cancels a pending or running export and deletes what it wrote; a finished one is answered as it is (Intercom documents no refusal).</summary>
    public async Task<ContentExportView> CancelAsync(CellDatabase cell, string workspaceId, string jobIdentifier, ActivityActor actor, string downloadBase, CancellationToken ct)
    {
        var job = await FindAsync(cell, workspaceId, jobIdentifier, ct);
        if (await jobs.CancelAsync(cell, job.Id, workspaceId, ct))
        {
            // A step still running when the job was cancelled may write one more segment: the expiry job sweeps it.
            files.Delete(cell.Region, job.Id);
            await cell.Writer.WriteAsync(async (db, c) =>
            {
                await jobs.EnqueueAsync(db, SubjectExportExpiryJob.Request(workspaceId, job.Id, time.GetUtcNow() + TimeSpan.FromHours(1)), c);
                await log.AppendAsync(db, cell, workspaceId, new ActivityEvent(
                    ActivityTypes.DataExportCancellation, actor, "A data export of outbound messages was cancelled.", new ActivityTarget("data_export", job.Id), null), c);
                return 0;
            }, ct);
            job = await FindAsync(cell, workspaceId, jobIdentifier, ct);
        }

        return View(cell, job, downloadBase);
    }

    /// <summary>The gzipped CSV, opened as it is read, with the download's activity entry; 409 before it is ready, 410 once it expired.</summary>
    public async Task<Stream> OpenDownloadAsync(CellDatabase cell, string workspaceId, string jobIdentifier, ActivityActor actor, CancellationToken ct)
    {
        var job = await FindAsync(cell, workspaceId, jobIdentifier, ct);
        var view = View(cell, job, "");
        if (!view.Downloadable)
        {
            throw new ConfideException(view.Status == ContentExportView.Completed ? Expired : ConfideError.Conflict($"This data export is {view.Status}; it has no file to download"));
        }

        Stream file;
        try
        {
            var key = await files.KeyAsync(cell, workspaceId, job.Id, create: false, ct);
            file = SubjectExportFiles.OpenSealed(ContentExportArchive.ArchivePath(files.Directory(cell.Region, job.Id)), job.Id, key);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or ConfideException)
        {
            // Deleted at its expiry since it was looked at.
            throw new ConfideException(Expired);
        }

        await log.AppendAsync(cell, workspaceId, new ActivityEvent(
            ActivityTypes.DataExportDownload, actor, "A data export of outbound messages was downloaded.", new ActivityTarget("data_export", job.Id), null), ct);
        return file;
    }

    private static ConfideError Expired => new(HttpStatusCode.Gone, "gone", "This data export has expired and its file was deleted; start a new export");

    private ContentExportView View(CellDatabase cell, Job job, string downloadBase) =>
        ContentExportView.From(job, File.Exists(ContentExportArchive.ArchivePath(files.Directory(cell.Region, job.Id))), time.GetUtcNow(), downloadBase);

    private static async Task<Job> FindAsync(CellDatabase cell, string workspaceId, string jobIdentifier, CancellationToken ct)
    {
        if (!PublicIds.IsEntityId(jobIdentifier))
        {
            throw new ConfideException(ConfideError.NotFound("Data export"));
        }

        await using var db = cell.CreateReadContext();
        return await db.Jobs.AsNoTracking().FirstOrDefaultAsync(j => j.Id == jobIdentifier && j.WorkspaceId == workspaceId && j.Kind == ContentExportJob.JobKind, ct)
            ?? throw new ConfideException(ConfideError.NotFound("Data export"));
    }

    /// <summary>Intercom's body: <c>created_at_after</c> and <c>created_at_before</c>, whole Unix seconds, the first before the second, at most <see cref="MaxRange"/> apart.</summary>
    internal static ContentExportRange Parse(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw new ConfideException(ConfideError.ParameterInvalid("The body must be a JSON object with created_at_after and created_at_before"));
        }

        var after = Seconds(body, "created_at_after");
        var before = Seconds(body, "created_at_before");
        if (after >= before)
        {
            throw new ConfideException(ConfideError.ParameterInvalid("created_at_after must be earlier than created_at_before"));
        }

        if (before - after > (long)MaxRange.TotalSeconds)
        {
            throw new ConfideException(ConfideError.ParameterInvalid($"A data export covers at most {MaxRange.TotalDays:0} days; split the range"));
        }

        return new ContentExportRange(after, before);
    }

    private static long Seconds(JsonElement body, string name)
    {
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            throw new ConfideException(ConfideError.ParameterMissing(name));
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var seconds) || seconds < 0 || seconds > UnixSeconds.Max)
        {
            throw new ConfideException(ConfideError.ParameterInvalid($"{name} must be a Unix timestamp in whole seconds"));
        }

        return seconds;
    }
}
