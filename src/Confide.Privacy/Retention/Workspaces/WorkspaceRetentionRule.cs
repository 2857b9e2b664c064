using System.Net;
using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Crypto;
using Confide.Data;
using Confide.Platform;
using Confide.Privacy.Workspaces;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Confide.Privacy.Retention.Workspaces;

/// <summary>
/// The built-in <c>workspace</c> rule: a workspace with no teammate sign-in, no API call and no
/// conversation for <see cref="RetentionScope.AfterDays"/> days (395 by default: 13 months) is
/// deleted through the workspace-deletion path (<see cref="WorkspaceDeletionCommands"/>, actor
/// Confide, reason <c>retention</c>, no grace; its receipt is the deletion's receipt), after every
/// owner was mailed 90, 30 and 7 days ahead (<see cref="WorkspaceInactivity"/>).
/// <para>
/// A warning is mailed first and recorded after, in the batch's write (the stage, the activity it
/// counted from, the date it announced, and a <c>workspace_inactivity_warning</c> entry): at least
/// once, never lost. Should the process die between the mail and the commit, the next run mails the
/// same warning again; once recorded, it is never sent again for that period. A warning counts 0
/// (nothing is deleted); the deletion's batch counts 1, and its write is the deletion command's own.
/// </para>
/// </summary>
public sealed partial class WorkspaceRetentionRule(
    WorkspaceDeletionCommands deletions, WorkspaceInactivityMail mail, WorkspaceKeyRing keys, ActivityLog log, ILogger<WorkspaceRetentionRule> logger) : IRetentionRule
{
    public const string SubjectName = "workspace";

    public string Subject => SubjectName;

    public bool BuiltIn => true;

    public int DefaultAfterDays => 395;

    public int MinimumAfterDays => WorkspaceInactivity.MinimumAfterDays;

    /// <summary>1 when the workspace has been inactive for longer than the period (it is deleted once its owners have been warned), else 0; the sample is the workspace's id.</summary>
    public async Task<RetentionPreview> PreviewAsync(RetentionScope scope, int sampleSize, CancellationToken cancellationToken)
    {
        var forecast = await ForecastAsync(scope, cancellationToken);
        return forecast is { Inactive: true }
            ? new RetentionPreview(1, sampleSize > 0 ? [scope.WorkspaceId] : [])
            : new RetentionPreview(0, []);
    }

    /// <summary>Where the workspace stands: its last activity, the last warning, and the date it would be deleted; null when it is deleted or its deletion is scheduled already.</summary>
    public static async Task<WorkspaceInactivityForecast?> ForecastAsync(RetentionScope scope, CancellationToken cancellationToken) =>
        (await PlanAsync(scope, cancellationToken))?.Forecast;

    public async Task<RetentionBatch?> NextBatchAsync(RetentionScope scope, int batchSize, CancellationToken cancellationToken)
    {
        var plan = await PlanAsync(scope, cancellationToken);
        if (plan is null || plan.Step == WorkspaceInactivity.Step.None)
        {
            return null;
        }

        var cell = scope.Cell;
        var workspaceId = scope.WorkspaceId;
        await using (var db = cell.CreateReadContext())
        {
            // The sweep skips a held workspace; this catches a hold set since it looked.
            if (await db.IsWorkspaceHeldAsync(workspaceId, scope.Now, cancellationToken))
            {
                return null;
            }
        }

        var notice = await deletions.ReadNoticeAsync(cell, workspaceId, cancellationToken);
        return plan.Step == WorkspaceInactivity.Step.Warn
            ? await WarnAsync(scope, plan, notice, cancellationToken)
            : await DeleteAsync(scope, notice, cancellationToken);
    }

    private async Task<RetentionBatch?> WarnAsync(RetentionScope scope, WorkspaceInactivity.Plan plan, WorkspaceDeletionNotice notice, CancellationToken ct)
    {
        var cell = scope.Cell;
        var workspaceId = scope.WorkspaceId;
        var forecast = plan.Forecast;
        // Read before the write, which must do no I/O: the key the entry is sealed with.
        var workforce = await keys.WorkforceAsync(cell, workspaceId, ct);
        var sent = await mail.WarnAsync(notice, workspaceId, Math.Max(scope.AfterDays, WorkspaceInactivity.MinimumAfterDays), forecast.LastActivityAt, forecast.DeletesAt, ct);
        if (sent == 0 && notice.OwnerEmails.Count > 0)
        {
            // Nobody was reached (the mail server is down): not recorded, so tried again at the next run.
            WarningNotSent(logger, plan.Stage);
            return null;
        }

        return new RetentionBatch(0, async (db, token) =>
        {
            var recorded = await db.Workspaces
                .Where(w => w.Id == workspaceId && w.DeletedAt == null && w.DeletionDueAt == null)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(w => w.InactivityWarningStage, plan.Stage)
                    .SetProperty(w => w.InactivityWarnedFor, forecast.LastActivityAt)
                    .SetProperty(w => w.InactivityDeletesAt, forecast.DeletesAt), token);
            if (recorded == 0)
            {
                return;
            }

            await log.AppendAsync(db, cell, workspaceId, new ActivityEvent(
                ActivityTypes.WorkspaceInactivityWarning, ActivityActor.Confide,
                $"The owners were warned that the workspace, inactive, will be deleted under the retention policy in {plan.Stage} days or more.",
                new ActivityTarget("workspace", workspaceId),
                new JsonObject
                {
                    ["days_ahead"] = plan.Stage,
                    ["last_activity_at"] = forecast.LastActivityAt.ToUnixTimeSeconds(),
                    ["deletes_at"] = forecast.DeletesAt.ToUnixTimeSeconds(),
                    ["after_days"] = scope.AfterDays,
                    ["owners_mailed"] = sent,
                }), token, workforce);
        });
    }

    private async Task<RetentionBatch?> DeleteAsync(RetentionScope scope, WorkspaceDeletionNotice notice, CancellationToken ct)
    {
        try
        {
            // The name is the workspace's own: the command's confirmation is for people typing it.
            await deletions.ScheduleAsync(scope.Cell, scope.WorkspaceId, notice.WorkspaceName, graceDays: 0, ActivityActor.Confide, WorkspaceDeletionCommands.RetentionReason, ct);
        }
        catch (ConfideException e) when (e.Error.Status == HttpStatusCode.Conflict)
        {
            // A legal hold set meanwhile, or an owner's own deletion scheduled first: nothing to do now.
            DeletionRefused(logger, e.Error.Code);
            return null;
        }

        return new RetentionBatch(1, null);
    }

    private static async Task<WorkspaceInactivity.Plan?> PlanAsync(RetentionScope scope, CancellationToken ct)
    {
        await using var db = scope.Cell.CreateReadContext();
        var state = await db.Workspaces.AsNoTracking()
            .Where(w => w.Id == scope.WorkspaceId && w.DeletedAt == null && w.DeletionDueAt == null)
            .Select(w => new WorkspaceInactivity.State(w.Id, w.Name, w.CreatedAt, w.InactivityWarningStage, w.InactivityWarnedFor, w.InactivityDeletesAt))
            .FirstOrDefaultAsync(ct);
        if (state is null)
        {
            return null;
        }

        var seen = await WorkspaceInactivity.LastActivityAsync(db, scope.WorkspaceId, ct);
        return WorkspaceInactivity.Decide(state, seen, scope.Now, scope.AfterDays);
    }

    [LoggerMessage(EventId = 4821, Level = LogLevel.Warning, Message = "An inactive workspace's {Stage}-day warning reached none of its owners; it is tried again at the next retention run.")]
    private static partial void WarningNotSent(ILogger logger, int stage);

    [LoggerMessage(EventId = 4822, Level = LogLevel.Information, Message = "The retention policy did not schedule an inactive workspace's deletion: the deletion command refused it ({Code}).")]
    private static partial void DeletionRefused(ILogger logger, string code);
}
