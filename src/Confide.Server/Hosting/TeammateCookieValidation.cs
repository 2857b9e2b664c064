using Confide.Data;
using Confide.Identity;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;

namespace Confide.Server.Hosting;

/// <summary>
/// A session cookie belongs to the region where the teammate signed in. Browsers send cookies
/// to every port of a host, so the embedded mode's regional endpoints all see each other's
/// cookies: a cookie minted by another region is rejected before anything else looks at it.
/// Then Identity's own security-stamp check runs.
/// </summary>
internal static class TeammateCookieValidation
{
    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var cell = context.HttpContext.RequestServices.GetRequiredService<CurrentCell>();
        var region = context.Principal?.FindFirst(TeammateMemberships.RegionClaim)?.Value;
        if (!cell.IsResolved || region != cell.Region.Code)
        {
            context.RejectPrincipal();
            return;
        }

        await SecurityStampValidator.ValidatePrincipalAsync(context);
    }
}
