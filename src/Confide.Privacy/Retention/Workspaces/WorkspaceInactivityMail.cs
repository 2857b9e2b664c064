using System.Globalization;
using Confide.Platform.Mail;
using Confide.Privacy.Workspaces;
using Microsoft.Extensions.Logging;

namespace Confide.Privacy.Retention.Workspaces;

/// <summary>
/// The warnings to a workspace's owners that the retention policy will delete it for inactivity,
/// 90, 30 and 7 days ahead. A message that cannot be handed over is logged once (no address, no
/// content); the caller learns how many owners were reached, and records the warning only when
/// one was (or there is nobody to tell), so a mail server that is down means another try the next day.
/// </summary>
public sealed partial class WorkspaceInactivityMail(IMailSender mail, ILogger<WorkspaceInactivityMail> logger)
{
    public const string WarningPurpose = "workspace_inactivity_warning";

    /// <summary>Mails every owner; returns how many of them the message was handed over for.</summary>
    public async Task<int> WarnAsync(WorkspaceDeletionNotice notice, string workspaceId, int afterDays, DateTimeOffset lastActivityAt, DateTimeOffset deletesAt, CancellationToken ct)
    {
        var subject = $"Your inactive workspace {notice.WorkspaceName} will be deleted on {Day(deletesAt)}";
        var body = $"""
            Your Confide workspace "{notice.WorkspaceName}" ({workspaceId}) has had no teammate sign-in, no API call and
            no conversation since {Day(lastActivityAt)}. Its retention policy deletes a workspace that stays inactive for
            {afterDays} days, so it will be deleted on {Day(deletesAt)}, with everything in it; this cannot be undone.

            To keep it, sign in to it, or use it through the API, before then: any activity starts the period
            over. To keep it regardless of activity, an owner can change the "workspace" rule of its retention
            policy (settings, "Retention", or PUT /confide/retention_policy).

            You are told 90, 30 and 7 days ahead; this message is sent to every owner of the workspace.
            """;
        var sent = 0;
        foreach (var owner in notice.OwnerEmails)
        {
            try
            {
                await mail.SendAsync(new OutgoingMail(WarningPurpose, owner, subject, body), ct);
                sent++;
            }
            catch (MailNotSentException e)
            {
                NotSent(logger, e.Message);
            }
        }

        return sent;
    }

    private static string Day(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    [LoggerMessage(EventId = 4820, Level = LogLevel.Warning, Message = "An inactive workspace's warning could not be mailed to an owner: {Reason}")]
    private static partial void NotSent(ILogger logger, string reason);
}
