using Confide.Audit;
using Confide.Data;
using Microsoft.EntityFrameworkCore;

namespace Confide.Privacy.Retention.Workspaces;

/// <summary>Where a workspace stands under the inactive-workspace rule: its last activity, the last warning sent, and when it would be deleted if nothing happens.</summary>
/// <param name="WarningStage">The last warning sent for this period, as days ahead (90, 30, 7); null for none yet.</param>
/// <param name="DeletesAt">The deletion's date if the workspace stays inactive (never earlier than a warning announced).</param>
/// <param name="Inactive">Inactive for longer than the period: in line for deletion, at <paramref name="DeletesAt"/> once its owners have been warned.</param>
public sealed record WorkspaceInactivityForecast(string WorkspaceId, DateTimeOffset LastActivityAt, int? WarningStage, DateTimeOffset DeletesAt, bool Inactive);

/// <summary>
/// The inactive-workspace rule's arithmetic (docs/retention.md, "Inactive workspaces"): what counts
/// as activity, which warning is due, and when the deletion is. Activity is what is recorded
/// anyway, read with one short indexed query each: the newest use of any of the workspace's API
/// tokens (<c>ApiTokens.LastUsedAt</c>, written at most once a minute), the newest change of any of
/// its conversations (<c>Conversations.UpdatedAt</c>) and its newest teammate sign-in (the activity
/// log's <c>admin_login_success</c> entries), with the workspace's creation as a floor. A web
/// session lasts at most 72 hours, so teammates who use the web app sign in at least that often.
/// </summary>
public static class WorkspaceInactivity
{
    /// <summary>The warnings, in days ahead of the deletion, in the order they are sent.</summary>
    public static IReadOnlyList<int> WarningDays { get; } = [90, 30, 7];

    /// <summary>
    /// The shortest period the rule applies: a workspace must be inactive for 30 days before its
    /// first (90-day) warning, so a shorter setting is treated as this.
    /// </summary>
    public const int MinimumAfterDays = 120;

    /// <summary>The newest recorded activity of the workspace, or null for none (the caller floors it at the creation).</summary>
    public static async Task<DateTimeOffset?> LastActivityAsync(ConfideDbContext db, string workspaceId, CancellationToken ct)
    {
        var token = await db.ApiTokens.AsNoTracking()
            .Where(t => t.WorkspaceId == workspaceId && t.LastUsedAt != null)
            .OrderByDescending(t => t.LastUsedAt).Select(t => t.LastUsedAt).FirstOrDefaultAsync(ct);
        // Those of a contact being erased too: they were activity all the same.
        var conversation = await db.Conversations.IgnoreQueryFilters().AsNoTracking()
            .Where(c => c.WorkspaceId == workspaceId)
            .OrderByDescending(c => c.UpdatedAt).Select(c => (DateTimeOffset?)c.UpdatedAt).FirstOrDefaultAsync(ct);
        // Newest first along the (workspace, created) index: stops at the newest sign-in.
        var signIn = await db.ActivityLogEntries.AsNoTracking()
            .Where(e => e.WorkspaceId == workspaceId && e.ActivityType == ActivityTypes.AdminLoginSuccess)
            .OrderByDescending(e => e.CreatedAt).Select(e => (DateTimeOffset?)e.CreatedAt).FirstOrDefaultAsync(ct);
        return Max(Max(token, conversation), signIn);
    }

    /// <summary>The workspace row's part in the rule.</summary>
    internal sealed record State(string WorkspaceId, string Name, DateTimeOffset CreatedAt, int? WarningStage, DateTimeOffset? WarnedFor, DateTimeOffset? AnnouncedDeletesAt);

    internal enum Step
    {
        None,
        Warn,
        Delete,
    }

    /// <summary>What to do now: nothing, send warning <paramref name="Stage"/> announcing <see cref="WorkspaceInactivityForecast.DeletesAt"/>, or delete.</summary>
    internal sealed record Plan(Step Step, int Stage, WorkspaceInactivityForecast Forecast);

    /// <summary>
    /// Decides from the recorded activity <paramref name="seen"/>. Activity newer than what the last
    /// warning counted from starts a new period (no warning sent yet). Each warning is sent once per
    /// period, on its day or, if that day was missed (the sweep paused, retention just turned on),
    /// late — and then the deletion moves so that the warning still comes its full number of days
    /// ahead: owners always have 90 days from the first warning and 7 from the last.
    /// </summary>
    internal static Plan Decide(State state, DateTimeOffset? seen, DateTimeOffset now, int afterDays)
    {
        var period = TimeSpan.FromDays(Math.Max(afterDays, MinimumAfterDays));
        var activity = Max(seen, state.CreatedAt)!.Value;
        var (last, stage, announced) = state.WarnedFor is { } warnedFor && state.WarningStage is not null && activity <= warnedFor
            ? (warnedFor, state.WarningStage, state.AnnouncedDeletesAt)
            : (activity, null, null);
        var due = Max(last + period, announced)!.Value;
        var inactive = now >= last + period;
        int? next = stage switch
        {
            null => WarningDays[0],
            90 => WarningDays[1],
            30 => WarningDays[2],
            _ => null,
        };
        if (next is null)
        {
            return new Plan(now >= due ? Step.Delete : Step.None, 0, new WorkspaceInactivityForecast(state.WorkspaceId, last, stage, due, inactive));
        }

        var ahead = TimeSpan.FromDays(next.Value);
        return now >= due - ahead
            ? new Plan(Step.Warn, next.Value, new WorkspaceInactivityForecast(state.WorkspaceId, last, stage, Max(due, now + ahead)!.Value, inactive))
            : new Plan(Step.None, 0, new WorkspaceInactivityForecast(state.WorkspaceId, last, stage, due, inactive));
    }

    private static DateTimeOffset? Max(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;
}
