using System.Security.Claims;
using Confide.Data;
using Confide.Identity;
using Confide.Identity.Sessions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;

namespace Confide.Server.Hosting;

/// <summary>
/// A session cookie belongs to the region where the teammate signed in. Browsers send cookies
/// to every port of a host, so the embedded mode's regional endpoints all see each other's
/// cookies: a cookie minted by another region is rejected before anything else looks at it.
/// Then the session's absolute lifetime, whether it is still live on the server, and Identity's
/// own security-stamp check.
/// </summary>
internal static class TeammateCookieValidation
{
    /// <summary>When the session began (sign-in), kept in the cookie's properties across renewals and refreshes.</summary>
    private const string SignedInAtItem = "confide.signed_in_at";

    /// <summary>When the session was last used, to the minute (so the cookie is re-issued at most once a minute for it).</summary>
    private const string LastSeenItem = "confide.last_seen";

    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var cell = context.HttpContext.RequestServices.GetRequiredService<CurrentCell>();
        var region = context.Principal?.FindFirst(TeammateMemberships.RegionClaim)?.Value;
        if (!cell.IsResolved || region != cell.Region.Code)
        {
            context.RejectPrincipal();
            return;
        }

        // Absolute lifetime: however active, a session ends this long after its sign-in. (The
        // idle timeout is the cookie's own sliding expiry.)
        var now = context.HttpContext.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        var sessions = context.HttpContext.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<TeammateSessionOptions>>().Value;
        if (!context.Properties.Items.TryGetValue(SignedInAtItem, out var signedInAt) || signedInAt is null)
        {
            signedInAt = (context.Properties.IssuedUtc ?? now).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
            context.Properties.Items[SignedInAtItem] = signedInAt;
            context.ShouldRenew = true;
        }

        if (now - DateTimeOffset.FromUnixTimeSeconds(long.Parse(signedInAt, System.Globalization.CultureInfo.InvariantCulture)) > TimeSpan.FromHours(sessions.AbsoluteHours))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
            return;
        }

        // The session must still be live on the server: signing out, "Sign out everywhere" and
        // credential changes end it there, which a copy of the cookie cannot undo. One
        // primary-key read; a cookie without a session id (issued before sessions were kept on
        // the server) is refused, and the teammate signs in again.
        var sessionId = SessionClaims.SessionIdOf(context.Principal!);
        var accountId = context.Principal!.FindFirstValue(ClaimTypes.NameIdentifier);
        var serverSessions = context.HttpContext.RequestServices.GetRequiredService<TeammateSessions>();
        if (sessionId is null || accountId is null || !await serverSessions.IsLiveAsync(sessionId, accountId, context.HttpContext.RequestAborted))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
            return;
        }

        // Workspaces may have stricter limits than the server's (checked on their pages,
        // TeammatePageModel): they need when the session began and when it was last used.
        var previous = context.Properties.Items.TryGetValue(LastSeenItem, out var lastSeen) && long.TryParse(lastSeen, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : now;
        TeammateSessionTimes.Record(context.HttpContext, DateTimeOffset.FromUnixTimeSeconds(long.Parse(signedInAt, System.Globalization.CultureInfo.InvariantCulture)), previous);
        if (now - previous >= TimeSpan.FromMinutes(1) || lastSeen is null)
        {
            context.Properties.Items[LastSeenItem] = now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
            context.ShouldRenew = true;
            serverSessions.RecordSeen(sessionId);
        }

        await SecurityStampValidator.ValidatePrincipalAsync(context);
    }
}
