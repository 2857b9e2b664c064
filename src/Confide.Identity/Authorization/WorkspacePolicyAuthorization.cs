using Microsoft.AspNetCore.Authorization;

namespace Confide.Identity.Authorization;

/// <summary>
/// Part of every API endpoint's policy: the workspace's own policies hold for the caller. A token
/// used from outside the IP allowlist, or of a teammate who has not met the two-factor
/// requirement, carries no permissions (<see cref="ApiTokenAuthenticationHandler"/>), which
/// refuses every endpoint that needs one; this refuses the ones that need none, such as
/// <c>GET /me</c>, in the same way.
/// </summary>
public sealed class WorkspacePoliciesMetRequirement : IAuthorizationRequirement;

public sealed class WorkspacePoliciesMetHandler : AuthorizationHandler<WorkspacePoliciesMetRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, WorkspacePoliciesMetRequirement requirement)
    {
        if (!context.User.HasClaim(c => c.Type is ApiTokenAuthenticationHandler.IpNotAllowedClaim or ApiTokenAuthenticationHandler.TwoFactorRequiredClaim))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
