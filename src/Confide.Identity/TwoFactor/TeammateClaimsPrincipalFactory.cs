using System.Security.Claims;
using Confide.Data;
using Confide.Data.Model;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Confide.Identity.TwoFactor;

/// <summary>Every teammate session names the region it was signed in to, so another region's endpoint rejects it.</summary>
public sealed class TeammateClaimsPrincipalFactory(UserManager<TeammateAccount> users, IOptions<IdentityOptions> options, CurrentCell cell)
    : UserClaimsPrincipalFactory<TeammateAccount>(users, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(TeammateAccount user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        identity.AddClaim(new Claim(TeammateMemberships.RegionClaim, cell.Region.Code));
        return identity;
    }
}
