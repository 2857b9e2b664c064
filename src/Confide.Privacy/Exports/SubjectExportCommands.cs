using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Data;
using Confide.Data.Jobs;
using Confide.Data.Model;
using Confide.Platform;
using Confide.Privacy.Requests;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.Extensions.Options;

namespace Confide.Privacy.Exports;

/// <summary>
/// Starts the export of an access request's subject, reads its state, makes download links and
/// opens the archive for a download. The export's id is its job's id; the job's payload names
/// the request and the contact, never anything about them.
/// </summary>
public sealed class SubjectExportCommands(JobQueue jobs, SubjectExportFiles files, ActivityLog log, IOptions<SubjectExportOptions> options, TimeProvider time)
{
    /// <summary>
    /// Enqueues the export of <paramref name="requestId"/>'s subject, with its activity entry in the
    /// same write. One export per request: asking again returns the first (a new export needs a new request).
    /// </summary>
    public async Task<SubjectExportView> StartAsync(CellDatabase cell, string workspaceId, string requestId, ActivityActor actor, CancellationToken cancellationToken)
    {
        var job = await cell.Writer.WriteAsync(async (db, ct) =>
        {
            var request = await FindRequestAsync(db, workspaceId, requestId, ct);
            if (request.Kind != PrivacyRequestKinds.Access)
            {
                throw new ConfideException(ConfideError.Conflict($"Only an access request can be exported; this one is '{request.Kind}'"));
            }

            if (request.ContactId is not { } contactId || !await db.Contacts.AnyAsync(c => c.WorkspaceId == workspaceId && c.Id == contactId, ct))
            {
                throw new ConfideException(ConfideError.Conflict("This privacy request's subject has no data here to export"));
            }

            var job = await jobs.EnqueueAsync(db, new JobRequest(SubjectExportJob.JobKind, workspaceId,
                Payload: $$"""{"request":"{{request.Id}}","contact":"{{contactId}}"}""", DeduplicationKey: DeduplicationKey(request.Id)), ct);
            if (db.Entry(job).State == EntityState.Added)
            {
                await log.AppendAsync(db, cell, workspaceId, new ActivityEvent(
                    ActivityTypes.SubjectExportCreation, actor, "An export of a privacy request's subject was started.", new ActivityTarget("subject_export", job.Id),
                    new JsonObject { ["privacy_request_id"] = request.Id, ["contact_id"] = contactId, ["expires_after_days"] = options.Value.Retention.TotalDays }), ct);
            }

            return job;
        }, cancellationToken);
        jobs.Wake(cell);
        return SubjectExportView.From(job, time.GetUtcNow());
    }

    public async Task<SubjectExportView> GetAsync(CellDatabase cell, string workspaceId, string exportId, CancellationToken ct) =>
        Checked(cell, SubjectExportView.From(await FindJobAsync(cell, workspaceId, exportId, ct), time.GetUtcNow()));

    /// <summary>A finished export whose archive is gone (deleted at its expiry) is <c>expired</c>, whatever the clock says.</summary>
    private SubjectExportView Checked(CellDatabase cell, SubjectExportView view) =>
        view.State == JobStates.Completed && !File.Exists(files.ArchivePath(cell.Region, view.Id)) ? view with { State = SubjectExportView.Expired } : view;

    /// <summary>The export of a request, or a 404 when none was started.</summary>
    public async Task<SubjectExportView> ForRequestAsync(CellDatabase cell, string workspaceId, string requestId, CancellationToken ct)
    {
        await using var db = cell.CreateReadContext();
        var key = DeduplicationKey(requestId);
        var job = await db.Jobs.AsNoTracking().FirstOrDefaultAsync(j => j.WorkspaceId == workspaceId && j.Kind == SubjectExportJob.JobKind && j.DeduplicationKey == key, ct)
            ?? throw new ConfideException(ConfideError.NotFound("Export"));
        return Checked(cell, SubjectExportView.From(job, time.GetUtcNow()));
    }

    /// <summary>A link that downloads the finished archive until <see cref="SubjectExportOptions.LinkLifetime"/> has passed.</summary>
    public async Task<SubjectExportLinkView> LinkAsync(CellDatabase cell, string workspaceId, string exportId, string pathBase, CancellationToken ct)
    {
        var (_, key) = await ReadyAsync(cell, workspaceId, exportId, ct);
        var expiresAt = time.GetUtcNow() + options.Value.LinkLifetime;
        var token = SubjectExportLinks.Token(key, exportId, expiresAt);
        return new SubjectExportLinkView(exportId, $"{pathBase}/{exportId}/download?token={token}", expiresAt.ToUnixTimeSeconds());
    }

    /// <summary>Checks the token, records the download and returns the archive, opened as it is read.</summary>
    public async Task<Stream> OpenDownloadAsync(CellDatabase cell, string workspaceId, string exportId, string? token, ActivityActor actor, CancellationToken ct)
    {
        var (view, key) = await ReadyAsync(cell, workspaceId, exportId, ct);
        if (!SubjectExportLinks.IsValid(key, exportId, token, time.GetUtcNow()))
        {
            throw new ConfideException(ConfideError.Forbidden("This download link is invalid or has expired; make a new one"));
        }

        var archive = SubjectExportFiles.OpenSealed(files.ArchivePath(cell.Region, exportId), exportId, key);
        await log.AppendAsync(cell, workspaceId, new ActivityEvent(
            ActivityTypes.SubjectExportDownload, actor, "An export of a privacy request's subject was downloaded.", new ActivityTarget("subject_export", exportId),
            new JsonObject { ["privacy_request_id"] = view.PrivacyRequestId, ["contact_id"] = view.ContactId }), ct);
        return archive;
    }

    internal static string DeduplicationKey(string requestId) => $"export:{requestId}";

    private async Task<(SubjectExportView View, byte[] Key)> ReadyAsync(CellDatabase cell, string workspaceId, string exportId, CancellationToken ct)
    {
        var view = await GetAsync(cell, workspaceId, exportId, ct);
        if (view.State == SubjectExportView.Expired)
        {
            throw new ConfideException(new ConfideError(System.Net.HttpStatusCode.Gone, "gone", "This export has expired and its archive was deleted"));
        }

        if (view.State != JobStates.Completed)
        {
            throw new ConfideException(ConfideError.Conflict($"This export is {view.State}; its archive is not ready"));
        }

        return (view, await files.KeyAsync(cell, workspaceId, exportId, create: false, ct));
    }

    private static async Task<Job> FindJobAsync(CellDatabase cell, string workspaceId, string exportId, CancellationToken ct)
    {
        if (!PublicIds.IsEntityId(exportId))
        {
            throw new ConfideException(ConfideError.NotFound("Export"));
        }

        await using var db = cell.CreateReadContext();
        return await db.Jobs.AsNoTracking().FirstOrDefaultAsync(j => j.Id == exportId && j.WorkspaceId == workspaceId && j.Kind == SubjectExportJob.JobKind, ct)
            ?? throw new ConfideException(ConfideError.NotFound("Export"));
    }

    private static async Task<PrivacyRequest> FindRequestAsync(ConfideDbContext db, string workspaceId, string requestId, CancellationToken ct) =>
        (PublicIds.IsEntityId(requestId) ? await db.PrivacyRequests.AsNoTracking().FirstOrDefaultAsync(r => r.WorkspaceId == workspaceId && r.Id == requestId, ct) : null)
            ?? throw new ConfideException(ConfideError.NotFound("Privacy request"));
}
