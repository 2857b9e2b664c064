using System.Reflection;
using System.Security.Claims;
using Confide.Audit;
using Microsoft.AspNetCore.Http;

namespace Confide.Identity;

/// <summary>
/// Who is calling the REST API: the workspace the token belongs to and the teammate who owns
/// it. Bound straight into endpoint handlers; every query an endpoint runs is scoped to
/// <see cref="WorkspaceId"/>. <see cref="Ip"/> is the client address as the server saw it, for the activity log.
/// </summary>
public sealed record ApiCaller(string WorkspaceId, string TeammateId, string TokenId, string? Ip = null)
{
    public const string RoleClaim = "confide:role";
    public const string ScopedClaim = "confide:scoped";
    public const string WorkspaceClaim = "confide:workspace";
    public const string TeammateClaim = "confide:teammate";
    public const string TokenClaim = "confide:token";

    public static ValueTask<ApiCaller?> BindAsync(HttpContext context, ParameterInfo parameter) =>
        ValueTask.FromResult(FromPrincipal(context.User) is { } caller ? caller with { Ip = context.Connection.RemoteIpAddress?.ToString() } : null);

    /// <summary>The caller as the actor of an activity-log entry.</summary>
    public ActivityActor Actor => ActivityActor.Teammate(TeammateId, "api", Ip, TokenId.Length > 0 ? TokenId : null);

    /// <summary>The teammate's role (built-in name).</summary>
    public string Role { get; init; } = "";

    /// <summary>What the caller may do: the role's permissions, narrowed by the token's scopes.</summary>
    public IReadOnlySet<string> Permissions { get; init; } = new HashSet<string>();

    /// <summary>Whether the token carries scopes (a narrowed token can only make narrowed tokens).</summary>
    public bool Scoped { get; init; }

    public bool IsOwner => Role == Data.Model.TeammateRoles.Owner;

    public static ApiCaller? FromPrincipal(ClaimsPrincipal user)
    {
        var workspace = user.FindFirstValue(WorkspaceClaim);
        var teammate = user.FindFirstValue(TeammateClaim);
        var token = user.FindFirstValue(TokenClaim) ?? "";
        return workspace is null || teammate is null ? null : new ApiCaller(workspace, teammate, token)
        {
            Role = user.FindFirstValue(RoleClaim) ?? "",
            Permissions = user.FindAll(Authorization.PermissionAuthorizationHandler.PermissionClaim).Select(c => c.Value).ToHashSet(StringComparer.Ordinal),
            Scoped = user.HasClaim(ScopedClaim, "true"),
        };
    }
}
