using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Data;
using Confide.Identity;
using Confide.Identity.Sessions;

namespace Confide.Server.Hosting;

/// <summary>
/// Ends the account's other sessions, keeping the request's own: "Sign out everywhere", and
/// every change to how the account signs in (password, authenticator app, recovery codes,
/// passkeys), so that whoever held another session must sign in again with what is now required.
/// The sessions end and the activity-log entry (<c>admin_session_revocation</c>) is written in one
/// transaction; nothing is logged when there was no other session.
/// </summary>
internal static class OtherSessions
{
    /// <returns>How many sessions were ended.</returns>
    public static Task<int> EndAsync(HttpContext http, string accountId, string reason)
    {
        var cell = http.RequestServices.GetRequiredService<CurrentCell>().Database;
        var sessions = http.RequestServices.GetRequiredService<TeammateSessions>();
        var keep = SessionClaims.SessionIdOf(http.User);
        return cell.Writer.WriteAsync(async (db, ct) =>
        {
            var ended = await sessions.EndOthersAsync(db, accountId, keep, reason, ct);
            if (ended > 0)
            {
                await SignInActivity.AppendAsync(http, db, accountId, ActivityTypes.AdminSessionRevocation,
                    ended == 1 ? "The teammate's other session was signed out." : $"The teammate's {ended} other sessions were signed out.",
                    new JsonObject { ["reason"] = reason, ["sessions_ended"] = ended }, onlyWorkspaceId: null, ct);
            }

            return ended;
        }, CancellationToken.None);
    }
}
