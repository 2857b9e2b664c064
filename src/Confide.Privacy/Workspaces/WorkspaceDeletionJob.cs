using System.Text.Json;
using Confide.Audit;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Jobs;
using Confide.Data.Model;
using Confide.Platform;
using Confide.Privacy.Exports;
using Confide.Privacy.Exports.Content;
using Confide.Privacy.LegalHolds;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Confide.Privacy.Workspaces;

/// <summary>
/// Deletes a workspace once its grace period is over (the job is queued with <c>NotBefore</c> = the
/// end of the grace). Its steps:
/// <list type="number">
/// <item>In one transaction: the workspace is marked deleted (from then no token, session or
/// messenger reaches it), the last activity-log entry is written, every workspace key row is
/// deleted and the deletion record (<see cref="Confide.Data.Model.WorkspaceDeletion"/>) is added.
/// Checked against the schedule first: a cancelled or rescheduled deletion does nothing, and a
/// cancellation that commits first makes this step's result refused. Checked against legal holds
/// too, before and again inside the transaction: while any hold is active in the workspace, the
/// deletion is cancelled instead (its schedule cleared, a <c>workspace_deletion_cancelled</c> entry
/// by Confide with <c>"reason": "legal_hold"</c>, a warning in the log) and nothing is destroyed.</item>
/// <item>Every contact key of the workspace is destroyed in the key store, its exports' files are
/// deleted, and the activity log's final tree head is recorded.</item>
/// <item>The rows of every table are purged, <see cref="WorkspaceDeletionOptions.RowsPerStep"/>
/// per step, children before parents.</item>
/// <item>The receipt is signed and stored, and the workspace row deleted.</item>
/// <item>The receipt is mailed to the owners, whose addresses are then forgotten.</item>
/// </list>
/// Each step is idempotent: after a crash the next runner repeats at most the step in flight.
/// </summary>
public sealed class WorkspaceDeletionJob(
    WorkspaceDeletionCommands commands,
    WorkspaceKeyRing workspaceKeys,
    ContactKeyRing contactKeys,
    ActivityLog log,
    ActivityCheckpointer checkpointer,
    RegionSigningKeys signingKeys,
    SubjectExportFiles exportFiles,
    WorkspaceDeletionMail mail,
    IDataProtectionProvider dataProtection,
    Microsoft.Extensions.Options.IOptions<WorkspaceDeletionOptions> options,
    ILogger<WorkspaceDeletionJob> logger,
    TimeProvider time) : IJobHandler
{
    public const string JobKind = "workspace.deletion";

    private const int KeysDestroyed = 1;

    private readonly IDataProtector _notices = dataProtection.CreateProtector("Confide.Privacy.WorkspaceDeletion.Notice.v1");

    public string Kind => JobKind;

    private sealed record Payload(long ScheduledAt);

    /// <summary>Where the job is: the step to run next, the receipt's id, and the rows purged so far per table.</summary>
    private sealed record Cursor(int Stage, string ReceiptId, Dictionary<string, long> Counts);

    private static int PurgeStart => KeysDestroyed + 1;

    private static int Finish => PurgeStart + WorkspacePurge.Tables.Count;

    private static int MailReceipt => Finish + 1;

    /// <summary>The job for a deletion scheduled at <paramref name="scheduledAt"/>, due at <paramref name="due"/>.</summary>
    public static JobRequest Request(string workspaceId, DateTimeOffset scheduledAt, DateTimeOffset due) =>
        new(JobKind, workspaceId,
            Payload: JsonSerializer.Serialize(new Payload(scheduledAt.ToUnixTimeMilliseconds())),
            DeduplicationKey: $"deletion:{scheduledAt.ToUnixTimeMilliseconds()}",
            NotBefore: due);

    public async Task<JobStepResult> RunStepAsync(JobContext context, CancellationToken cancellationToken)
    {
        var workspaceId = context.WorkspaceId ?? throw new InvalidOperationException("A workspace deletion names its workspace.");
        if (context.Checkpoint is null)
        {
            return await DestroyKeysAsync(context, workspaceId, cancellationToken);
        }

        var cursor = JsonSerializer.Deserialize<Cursor>(context.Checkpoint)!;
        if (cursor.Stage == KeysDestroyed)
        {
            return await ShredAsync(context, workspaceId, cursor, cancellationToken);
        }

        if (cursor.Stage < Finish)
        {
            return await PurgeAsync(context, workspaceId, cursor, cancellationToken);
        }

        return cursor.Stage == Finish
            ? await SignReceiptAsync(context, workspaceId, cursor, cancellationToken)
            : await MailReceiptAsync(context, workspaceId, cancellationToken);
    }

    private async Task<JobStepResult> DestroyKeysAsync(JobContext context, string workspaceId, CancellationToken ct)
    {
        var cell = context.Cell;
        var scheduledAt = JsonSerializer.Deserialize<Payload>(context.Payload ?? "{}")?.ScheduledAt;
        List<Guid> keyIds;
        var held = false;
        await using (var db = cell.CreateReadContext())
        {
            var workspace = await db.Workspaces.AsNoTracking().FirstOrDefaultAsync(w => w.Id == workspaceId, ct);
            if (workspace is null || workspace.DeletedAt is not null || workspace.DeletionScheduledAt?.ToUnixTimeMilliseconds() != scheduledAt)
            {
                // Cancelled (and perhaps scheduled again, by another job), or done already: nothing to do.
                return JobStepResult.Completed(0);
            }

            held = await db.ActiveHolds(workspaceId, time.GetUtcNow()).AnyAsync(ct);
            keyIds = await db.WorkspaceKeys.Where(k => k.WorkspaceId == workspaceId).Select(k => k.Id).ToListAsync(ct);
        }

        if (held)
        {
            // Mailed before the step commits: should it not (a cancellation by an owner meanwhile), a mail too many.
            await mail.StoppedByLegalHoldAsync(await commands.ReadNoticeAsync(cell, workspaceId, ct), workspaceId, ct);
            return JobStepResult.Completed(0, write: (db, token) => StopForLegalHoldAsync(db, cell, workspaceId, token));
        }

        // Everything that reads (the owners' addresses, the signing key, the workforce key the last
        // log entry is sealed with) before the write, which must do no I/O of its own.
        var notice = await commands.ReadNoticeAsync(cell, workspaceId, ct);
        var encryptedNotice = _notices.Protect(JsonSerializer.SerializeToUtf8Bytes(notice));
        var contactKeyCount = await (await contactKeys.StoreAsync(cell.Region)).CountAsync(workspaceId, ct);
        await signingKeys.SignerAsync(cell, SigningKeyPurposes.ActivityLog, ct);
        await workspaceKeys.WorkforceAsync(cell, workspaceId, ct);
        var receiptId = PublicIds.NewEntityId(time);
        var next = new Cursor(KeysDestroyed, receiptId, []);
        return JobStepResult.More(JsonSerializer.Serialize(next), 0, write: async (db, token) =>
        {
            var now = time.GetUtcNow();
            // Again in the transaction: a hold whose transaction committed after the check above stops it all the same.
            if (await db.ActiveHolds(workspaceId, now).AnyAsync(token))
            {
                await StopForLegalHoldAsync(db, cell, workspaceId, token);
                return;
            }

            var workspace = await db.Workspaces.FirstAsync(w => w.Id == workspaceId, token);
            workspace.DeletedAt = now;
            var entry = await log.AppendAsync(db, cell, workspaceId, new ActivityEvent(
                ActivityTypes.WorkspaceDeletionCompleted, ActivityActor.Confide,
                "The workspace was deleted: its keys were destroyed. Its data is being removed; a signed receipt follows.",
                new ActivityTarget("workspace", workspaceId),
                new System.Text.Json.Nodes.JsonObject { ["workspace_keys"] = keyIds.Count, ["contact_keys"] = contactKeyCount }), token);
            await db.WorkspaceKeys.Where(k => k.WorkspaceId == workspaceId).ExecuteDeleteAsync(token);
            db.WorkspaceDeletions.Add(new Confide.Data.Model.WorkspaceDeletion
            {
                Id = receiptId, WorkspaceId = workspaceId, Region = cell.Region.Code,
                RequestedAt = workspace.DeletionScheduledAt ?? now, KeyDestroyedAt = now,
                DestroyedKeyIds = string.Join(',', keyIds.Select(k => k.ToString()).Order(StringComparer.Ordinal)),
                ContactKeysDestroyed = contactKeyCount, ActivityLogLeafIndex = entry.Sequence, EncryptedNotice = encryptedNotice,
            });
        });
    }

    /// <summary>
    /// A legal hold stops the deletion for good, rather than holding it back: a hold may stand for
    /// years, and the owners would not expect a deletion they asked for long before to happen the
    /// day it is released. They schedule it again once no hold is active.
    /// </summary>
    private async Task StopForLegalHoldAsync(ConfideDbContext db, CellDatabase cell, string workspaceId, CancellationToken token)
    {
        var workspace = await db.Workspaces.FirstAsync(w => w.Id == workspaceId, token);
        var due = workspace.DeletionDueAt;
        workspace.DeletionScheduledAt = null;
        workspace.DeletionDueAt = null;
        await log.AppendAsync(db, cell, workspaceId, new ActivityEvent(
            ActivityTypes.WorkspaceDeletionCancelled, ActivityActor.Confide,
            "The workspace's scheduled deletion was cancelled: a legal hold protects data in it.",
            new ActivityTarget("workspace", workspaceId),
            new System.Text.Json.Nodes.JsonObject { ["deletes_at"] = due?.ToUnixTimeSeconds(), ["reason"] = "legal_hold" }), token);
        LegalHoldLog.WorkspaceDeletionStopped(logger, workspaceId, cell.Region.Code);
    }

    private async Task<JobStepResult> ShredAsync(JobContext context, string workspaceId, Cursor cursor, CancellationToken ct)
    {
        var cell = context.Cell;
        var held = false;
        await using (var db = cell.CreateReadContext())
        {
            if (!await db.Workspaces.AnyAsync(w => w.Id == workspaceId && w.DeletedAt != null, ct))
            {
                // The first step's transaction found a legal hold and cancelled the deletion instead: nothing was destroyed.
                held = true;
            }
        }

        if (held)
        {
            await mail.StoppedByLegalHoldAsync(await commands.ReadNoticeAsync(cell, workspaceId, ct), workspaceId, ct);
            return JobStepResult.Completed(context.ProgressDone);
        }

        // Harmless when repeated: the keys are gone the second time.
        await contactKeys.ShredAsync(cell.Region, workspaceId, null, ct);
        List<string> exports;
        await using (var db = cell.CreateReadContext())
        {
            exports = await db.Jobs.Where(j => j.WorkspaceId == workspaceId && (j.Kind == SubjectExportJob.JobKind || j.Kind == ContentExportJob.JobKind)).Select(j => j.Id).ToListAsync(ct);
        }

        foreach (var export in exports)
        {
            exportFiles.Delete(cell.Region, export);
        }

        workspaceKeys.ForgetCurrentDataKey(cell.Region, workspaceId);
        // The log's final head, signed like any checkpoint; the receipt carries its size and root.
        await checkpointer.CheckpointAsync(cell, workspaceId, ct);
        ActivityLogCheckpoint? head;
        await using (var db = cell.CreateReadContext())
        {
            head = await db.ActivityLogCheckpoints.AsNoTracking().Where(c => c.WorkspaceId == workspaceId).OrderByDescending(c => c.TreeSize).FirstOrDefaultAsync(ct);
        }

        return JobStepResult.More(JsonSerializer.Serialize(cursor with { Stage = PurgeStart }), context.ProgressDone, write: async (db, token) =>
        {
            var deletion = await db.WorkspaceDeletions.FirstAsync(d => d.WorkspaceId == workspaceId, token);
            deletion.ActivityLogTreeSize = head?.TreeSize ?? 0;
            deletion.ActivityLogRootHash = Convert.ToHexStringLower(head?.RootHash ?? MerkleTree.EmptyRoot());
        });
    }

    private async Task<JobStepResult> PurgeAsync(JobContext context, string workspaceId, Cursor cursor, CancellationToken ct)
    {
        var table = WorkspacePurge.Tables[cursor.Stage - PurgeStart];
        var limit = options.Value.RowsPerStep;
        int rows;
        await using (var db = context.Cell.CreateReadContext())
        {
            rows = await table.CountAsync(db, workspaceId, context.JobId, limit, ct);
        }

        if (rows == 0)
        {
            return JobStepResult.More(JsonSerializer.Serialize(cursor with { Stage = cursor.Stage + 1 }), context.ProgressDone);
        }

        var counts = new Dictionary<string, long>(cursor.Counts) { [table.Name] = cursor.Counts.GetValueOrDefault(table.Name) + rows };
        return JobStepResult.More(
            JsonSerializer.Serialize(cursor with { Counts = counts }), context.ProgressDone + rows,
            write: (db, token) => table.DeleteAsync(db, workspaceId, context.JobId, limit, token));
    }

    private async Task<JobStepResult> SignReceiptAsync(JobContext context, string workspaceId, Cursor cursor, CancellationToken ct)
    {
        var cell = context.Cell;
        Confide.Data.Model.WorkspaceDeletion deletion;
        await using (var db = cell.CreateReadContext())
        {
            deletion = await db.WorkspaceDeletions.AsNoTracking().FirstAsync(d => d.WorkspaceId == workspaceId, ct);
        }

        var signer = await signingKeys.SignerAsync(cell, SigningKeyPurposes.ActivityLog, ct);
        var categories = WorkspacePurge.Tables.ToDictionary(t => t.Name, t => cursor.Counts.GetValueOrDefault(t.Name), StringComparer.Ordinal);
        var completedAt = time.GetUtcNow().ToUnixTimeSeconds();
        var document = new WorkspaceDeletionReceiptDocument(
            deletion.Id, deletion.Region, workspaceId, categories,
            deletion.DestroyedKeyIds.Length == 0 ? [] : deletion.DestroyedKeyIds.Split(','), deletion.ContactKeysDestroyed,
            deletion.RequestedAt.ToUnixTimeSeconds(), deletion.KeyDestroyedAt.ToUnixTimeSeconds(), completedAt,
            deletion.ActivityLogLeafIndex, deletion.ActivityLogTreeSize ?? 0, deletion.ActivityLogRootHash ?? "", signer.KeyId, []);
        var signed = document with { Signature = signer.Sign(document.SignedBytes()) };
        return JobStepResult.More(JsonSerializer.Serialize(cursor with { Stage = MailReceipt }), context.ProgressDone, write: async (db, token) =>
        {
            var row = await db.WorkspaceDeletions.FirstAsync(d => d.WorkspaceId == workspaceId, token);
            row.Categories = WorkspaceDeletionReceiptDocument.CategoriesJson(signed.Categories);
            row.CompletedAt = DateTimeOffset.FromUnixTimeSeconds(signed.CompletedAt);
            row.SigningKeyId = signed.KeyId;
            row.Signature = signed.Signature;
            // A tree head the background checkpointer signed during the purge would hold the row back.
            await db.ActivityLogCheckpoints.Where(c => c.WorkspaceId == workspaceId).ExecuteDeleteAsync(token);
            await db.Workspaces.Where(w => w.Id == workspaceId).ExecuteDeleteAsync(token);
        });
    }

    private async Task<JobStepResult> MailReceiptAsync(JobContext context, string workspaceId, CancellationToken ct)
    {
        // The purge is complete: what it deleted in clear (search tokens, hashes, ids) leaves the files too.
        await DeletedDataScrub.RunAsync(context.Cell, logger, ct);
        Confide.Data.Model.WorkspaceDeletion deletion;
        await using (var db = context.Cell.CreateReadContext())
        {
            deletion = await db.WorkspaceDeletions.AsNoTracking().FirstAsync(d => d.WorkspaceId == workspaceId, ct);
        }

        if (deletion.EncryptedNotice is { } encrypted && WorkspaceDeletionReceiptDocument.From(deletion) is { } receipt)
        {
            WorkspaceDeletionNotice? notice = null;
            try
            {
                notice = JsonSerializer.Deserialize<WorkspaceDeletionNotice>(_notices.Unprotect(encrypted));
            }
            catch (System.Security.Cryptography.CryptographicException)
            {
                // The server's Data Protection keys changed meanwhile (a restore, a new key directory):
                // nobody can be mailed, and retrying would not help. The receipt stays printable.
                WorkspaceDeletionMail.NoticeUnreadable(mail.Logger);
            }

            if (notice is not null)
            {
                // Sent again should this step be repeated after a crash: a duplicate is better than none.
                await mail.ReceiptAsync(notice, workspaceId, receipt.ToJson(), ct);
            }
        }

        return JobStepResult.Completed(context.ProgressDone, write: async (db, token) =>
        {
            var row = await db.WorkspaceDeletions.FirstAsync(d => d.WorkspaceId == workspaceId, token);
            row.EncryptedNotice = null;
        });
    }
}

/// <summary>Settings of workspace deletion (<c>Confide:Privacy:WorkspaceDeletion</c>).</summary>
public sealed class WorkspaceDeletionOptions
{
    public const string Section = "Confide:Privacy:WorkspaceDeletion";

    /// <summary>Rows deleted per step of the purge (and per transaction).</summary>
    public int RowsPerStep { get; set; } = 500;
}
