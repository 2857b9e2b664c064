using Confide.Data;
using Confide.Data.Model;
using Confide.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Confide.Privacy.Retention.Housekeeping;

/// <summary>
/// Deletes teammate session rows that can no longer be used: ended (signed out, ended from another
/// session, a credential change), past the server's absolute lifetime, or idle for longer than the
/// server's idle timeout. A sign-in already removes its own account's outlived sessions; this
/// catches the accounts that do not sign in again. A workspace's stricter limits end sessions
/// sooner, never later, so the server's are the ones that make a row useless. The idle timeout is
/// the cookie's sliding expiry and <see cref="TeammateSession.LastSeenAt"/> is written at most once
/// a minute outside the request, so an idle row waits an hour more than the timeout before it goes.
/// </summary>
internal sealed class ExpiredSessionsHousekeeping(IOptions<TeammateSessionOptions> sessions) : IRetentionHousekeeping
{
    /// <summary>The margin on the idle timeout for the once-a-minute bookkeeping of a session's last use.</summary>
    public static readonly TimeSpan IdleMargin = TimeSpan.FromHours(1);

    public string Name => "teammate_sessions";

    public async Task<RetentionBatch?> NextBatchAsync(CellDatabase cell, DateTimeOffset now, int batchSize, CancellationToken cancellationToken)
    {
        var outlived = now - TimeSpan.FromHours(sessions.Value.AbsoluteHours);
        var idle = now - TimeSpan.FromMinutes(sessions.Value.IdleMinutes) - IdleMargin;
        List<string> ids;
        await using (var db = cell.CreateReadContext())
        {
            ids = await Due(db, outlived, idle).OrderBy(s => s.Id).Select(s => s.Id).Take(batchSize).ToListAsync(cancellationToken);
        }

        return ids.Count == 0
            ? null
            // Checked again in the write: a row used since the read stays.
            : new RetentionBatch(ids.Count, (db, ct) => Due(db, outlived, idle).Where(s => ids.Contains(s.Id)).ExecuteDeleteAsync(ct));
    }

    private static IQueryable<TeammateSession> Due(ConfideDbContext db, DateTimeOffset outlived, DateTimeOffset idle) =>
        db.TeammateSessions.Where(s => s.EndedAt != null || s.CreatedAt < outlived || s.LastSeenAt < idle);
}
