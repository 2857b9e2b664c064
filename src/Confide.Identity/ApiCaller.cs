using System.Reflection;
using System.Security.Claims;
using Microsoft.AspNetCore.Http;

namespace Confide.Identity;

/// <summary>
/// Who is calling the REST API: the workspace the token belongs to and the teammate who owns
/// it. Bound straight into endpoint handlers; every query an endpoint runs is scoped to
/// <see cref="WorkspaceId"/>.
/// </summary>
public sealed record ApiCaller(string WorkspaceId, string TeammateId, string TokenId)
{
    public const string WorkspaceClaim = "confide:workspace";
    public const string TeammateClaim = "confide:teammate";
    public const string TokenClaim = "confide:token";

    public static ValueTask<ApiCaller?> BindAsync(HttpContext context, ParameterInfo parameter) =>
        ValueTask.FromResult(FromPrincipal(context.User));

    public static ApiCaller? FromPrincipal(ClaimsPrincipal user)
    {
        var workspace = user.FindFirstValue(WorkspaceClaim);
        var teammate = user.FindFirstValue(TeammateClaim);
        var token = user.FindFirstValue(TokenClaim) ?? "";
        return workspace is null || teammate is null ? null : new ApiCaller(workspace, teammate, token);
    }
}
