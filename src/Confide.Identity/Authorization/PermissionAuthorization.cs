using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;

namespace Confide.Identity.Authorization;

/// <summary>
/// What an endpoint needs, as endpoint metadata: a permission, or (with a null permission) only
/// a caller of the workspace. A test reads it from every endpoint: one without it fails, and at
/// run time the fallback policy refuses an undeclared endpoint anyway (deny by default).
/// </summary>
public sealed record PermissionMetadata(string? Permission);

public sealed record PermissionRequirement(string Permission) : IAuthorizationRequirement;

/// <summary>Allows when the caller's principal carries the permission (set when the token was authenticated).</summary>
public sealed class PermissionAuthorizationHandler : AuthorizationHandler<PermissionRequirement>
{
    public const string PermissionClaim = "confide:permission";

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, PermissionRequirement requirement)
    {
        if (context.User.HasClaim(PermissionClaim, requirement.Permission))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

public static class PermissionEndpointExtensions
{
    /// <summary>The endpoint needs an API token of the workspace whose caller holds <paramref name="permission"/>.</summary>
    public static TBuilder RequirePermission<TBuilder>(this TBuilder builder, string permission)
        where TBuilder : IEndpointConventionBuilder
    {
        if (!Permissions.IsKnown(permission))
        {
            throw new ArgumentException($"Unknown permission '{permission}'.", nameof(permission));
        }

        return builder
            .RequireAuthorization(policy => policy
                .AddAuthenticationSchemes(ApiTokenAuthenticationHandler.SchemeName)
                .RequireClaim(ApiCaller.WorkspaceClaim)
                .AddRequirements(new PermissionRequirement(permission)))
            .WithMetadata(new PermissionMetadata(permission));
    }

    /// <summary>The endpoint serves any API token of the workspace (e.g. <c>GET /me</c>).</summary>
    public static TBuilder RequireWorkspaceCaller<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder
            .RequireAuthorization(ApiTokenAuthenticationHandler.SchemeName)
            .WithMetadata(new PermissionMetadata(null));
}
