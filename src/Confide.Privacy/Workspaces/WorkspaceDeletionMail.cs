using System.Globalization;
using Confide.Platform.Mail;
using Microsoft.Extensions.Logging;

namespace Confide.Privacy.Workspaces;

/// <summary>
/// Mails every owner of a workspace when its deletion is scheduled, when it is cancelled, and
/// the signed receipt when it is done. A message that cannot be handed over is logged once (no
/// address, no content) and does not undo what it reports.
/// </summary>
public sealed partial class WorkspaceDeletionMail(IMailSender mail, ILogger<WorkspaceDeletionMail> logger)
{
    public const string ScheduledPurpose = "workspace_deletion_scheduled";
    public const string CancelledPurpose = "workspace_deletion_cancelled";
    public const string ReceiptPurpose = "workspace_deletion_receipt";

    public Task ScheduledAsync(WorkspaceDeletionNotice notice, string workspaceId, DateTimeOffset deletesAt, string? reason, CancellationToken ct) =>
        reason == WorkspaceDeletionCommands.RetentionReason
            ? SendAsync(notice, ScheduledPurpose, $"Your workspace {notice.WorkspaceName} is being deleted", $"""
                Your Confide workspace "{notice.WorkspaceName}" ({workspaceId}) had no teammate sign-in, no API call and no
                conversation for longer than its retention policy allows, and its owners were warned 90, 30 and 7 days
                ahead. Its deletion was scheduled under the retention policy to start at {Format(deletesAt)}: every key of
                the workspace is destroyed, so its data can no longer be read, and all of its data is removed.

                A signed receipt follows when the deletion is done.
                """, ct)
            : SendAsync(notice, ScheduledPurpose, $"Your workspace {notice.WorkspaceName} will be deleted", $"""
            The deletion of your Confide workspace "{notice.WorkspaceName}" ({workspaceId}) was scheduled by one of its owners.

            It will start at {Format(deletesAt)}. Then every key of the workspace is destroyed at once,
            so its data can no longer be read, and all of its data is removed; this cannot be undone.

            Until then any owner can cancel it in the workspace's settings ("Delete workspace") or with
            DELETE /confide/workspace_deletion. If you did not expect this, cancel it now and review who
            holds the owner role.
            """, ct);

    public Task CancelledAsync(WorkspaceDeletionNotice notice, string workspaceId, CancellationToken ct) =>
        SendAsync(notice, CancelledPurpose, $"The deletion of your workspace {notice.WorkspaceName} was cancelled", $"""
            The scheduled deletion of your Confide workspace "{notice.WorkspaceName}" ({workspaceId}) was cancelled
            by one of its owners. Nothing was deleted.
            """, ct);

    /// <summary>The deletion stopped by Confide itself: a legal hold became active during the grace (docs/legal-holds.md). Not the hold's reason.</summary>
    public Task StoppedByLegalHoldAsync(WorkspaceDeletionNotice notice, string workspaceId, CancellationToken ct) =>
        SendAsync(notice, CancelledPurpose, $"The deletion of your workspace {notice.WorkspaceName} was stopped by a legal hold", $"""
            The scheduled deletion of your Confide workspace "{notice.WorkspaceName}" ({workspaceId}) was cancelled
            when its grace period ended, before anything was deleted: a legal hold protects data in the workspace.

            The privacy centre's legal holds (or GET /confide/legal_holds) show who set it and until when. Once no
            hold is active, an owner can schedule the deletion again.
            """, ct);

    public Task ReceiptAsync(WorkspaceDeletionNotice notice, string workspaceId, byte[] receipt, CancellationToken ct) =>
        SendAsync(notice, ReceiptPurpose, $"Your workspace {notice.WorkspaceName} has been deleted", $"""
            Your Confide workspace "{notice.WorkspaceName}" ({workspaceId}) has been deleted: its keys were
            destroyed and all of its data removed. Below is the signed receipt. Save it as a file and check it
            offline with:

                confide receipts verify receipt.json --keys-url https://<region endpoint>/.well-known/confide/activity-log-keys

            The operator of the installation can print it again with: confide workspace receipt {workspaceId}

            {System.Text.Encoding.UTF8.GetString(receipt)}
            """, ct);

    private async Task SendAsync(WorkspaceDeletionNotice notice, string purpose, string subject, string body, CancellationToken ct)
    {
        foreach (var owner in notice.OwnerEmails)
        {
            try
            {
                await mail.SendAsync(new OutgoingMail(purpose, owner, subject, body), ct);
            }
            catch (MailNotSentException e)
            {
                NotSent(logger, purpose, e.Message);
            }
        }
    }

    private static string Format(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC";

    internal ILogger Logger => logger;

    [LoggerMessage(EventId = 4711, Level = LogLevel.Warning, Message = "A deleted workspace's receipt could not be mailed: the owners' sealed addresses could not be opened. It can be printed with 'confide workspace receipt'.")]
    internal static partial void NoticeUnreadable(ILogger logger);

    [LoggerMessage(EventId = 4710, Level = LogLevel.Warning, Message = "A workspace-deletion message ({Purpose}) could not be mailed to an owner: {Reason}")]
    private static partial void NotSent(ILogger logger, string purpose, string reason);
}
