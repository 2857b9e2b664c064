using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Data;
using Confide.Data.Model;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Confide.Server.Hosting;

/// <summary>
/// Records a sign-in event in the activity log of every workspace of the request's region
/// the account belongs to, in one transaction: each workspace's log sees its own entry.
/// Unknown emails are not recorded anywhere (there is no workspace to record them in).
/// </summary>
internal static partial class SignInActivity
{
    /// <summary>
    /// Records a completed sign-in. The session cookie is already issued at this point, so if the
    /// entry cannot be written the session is ended again: no sign-in goes unrecorded.
    /// </summary>
    /// <param name="onlyWorkspaceId">Record only in this workspace: an SSO session is one workspace's, so only its log sees the sign-in.</param>
    public static async Task RecordSignInAsync(HttpContext http, SignInManager<TeammateAccount> signInManager, string accountId, string description, JsonObject metadata, string? onlyWorkspaceId = null)
    {
        try
        {
            await RecordAsync(http, accountId, ActivityTypes.AdminLoginSuccess, description, metadata, onlyWorkspaceId);
        }
        catch
        {
            await signInManager.SignOutAsync();
            throw;
        }
    }

    public static async Task RecordAsync(HttpContext http, string accountId, string activityType, string description, JsonObject metadata, string? onlyWorkspaceId = null)
    {
        var cell = http.RequestServices.GetRequiredService<CurrentCell>().Database;
        await cell.Writer.WriteAsync((db, ct) => AppendAsync(http, db, accountId, activityType, description, metadata, onlyWorkspaceId, ct), http.RequestAborted);
    }

    /// <summary>
    /// Records the event once the answer has been sent: where the answer must not tell whether the
    /// account exists, the time of the write must not tell it either. A failed write is logged.
    /// </summary>
    public static void RecordAfterAnswer(HttpContext http, string accountId, string activityType, string description, JsonObject metadata)
    {
        var cell = http.RequestServices.GetRequiredService<CurrentCell>().Database;
        var log = http.RequestServices.GetRequiredService<ActivityLog>();
        var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SignInActivity));
        var ip = http.Connection.RemoteIpAddress?.ToString();
        http.Response.OnCompleted(() =>
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    await cell.Writer.WriteAsync((db, ct) => AppendAsync(cell, log, ip, db, accountId, activityType, description, metadata, null, ct), CancellationToken.None);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    RecordFailed(logger, activityType, e.GetType().Name);
                }
            });
            return Task.CompletedTask;
        });
    }

    /// <summary>Appends the entry to the log of every workspace of the account in the request's region, inside the caller's write.</summary>
    public static Task AppendAsync(HttpContext http, ConfideDbContext db, string accountId, string activityType, string description, JsonObject metadata, string? onlyWorkspaceId, CancellationToken ct) =>
        AppendAsync(http.RequestServices.GetRequiredService<CurrentCell>().Database, http.RequestServices.GetRequiredService<ActivityLog>(),
            http.Connection.RemoteIpAddress?.ToString(), db, accountId, activityType, description, metadata, onlyWorkspaceId, ct);

    private static async Task AppendAsync(CellDatabase cell, ActivityLog log, string? ip, ConfideDbContext db, string accountId, string activityType, string description, JsonObject metadata, string? onlyWorkspaceId, CancellationToken ct)
    {
        var memberships = await db.Teammates.Where(t => t.AccountId == accountId && (onlyWorkspaceId == null || t.WorkspaceId == onlyWorkspaceId))
            .Select(t => new { t.WorkspaceId, t.Id }).ToListAsync(ct);
        foreach (var membership in memberships)
        {
            await log.AppendAsync(db, cell, membership.WorkspaceId, new ActivityEvent(
                activityType, ActivityActor.Teammate(membership.Id, "web", ip), description, Metadata: (JsonObject)metadata.DeepClone()), ct);
        }
    }

    [LoggerMessage(EventId = 4405, Level = LogLevel.Warning, Message = "A {ActivityType} entry recorded after the answer could not be written ({ExceptionType}).")]
    private static partial void RecordFailed(ILogger logger, string activityType, string exceptionType);
}
