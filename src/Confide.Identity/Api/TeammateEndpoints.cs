using Confide.Data;
using Confide.Identity.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Confide.Identity.Api;

/// <summary>Confide's own API for what Intercom's has no endpoint for: adding teammates and setting their roles.</summary>
internal static class TeammateEndpoints
{
    internal sealed record AddTeammateInput(string? Email, string? Name, string? Role);

    internal sealed record RoleInput(string? Role);

    /// <param name="InitialPassword">
    /// Always present when adding: the first password of an account created now, or, for an
    /// address that already had an account, one that signs nobody in (that person signs in as
    /// usual and accepts the invitation). The answer must not tell which.
    /// </param>
    internal sealed record TeammateAddedView(string Id, string Role, string? InitialPassword)
    {
        public string Type { get; } = "admin";
    }

    public static void MapTeammateEndpoints(this IEndpointRouteBuilder api)
    {
        var teammates = api.MapGroup("/confide/teammates").RequirePermission(Permissions.TeammatesManage);
        teammates.MapPost("", AddAsync);
        teammates.MapPut("/{id}/role", ChangeRoleAsync);
        teammates.MapDelete("/{id}", RemoveAsync);
    }

    private static async Task<IResult> AddAsync(ApiCaller caller, CurrentCell cell, TeammateAdministration teammates, AddTeammateInput input, CancellationToken ct)
    {
        var role = input.Role ?? Data.Model.TeammateRoles.Agent;
        // Added.Invited is deliberately not shown: the answer is the same for a new address and an existing account.
        var added = await teammates.AddAsync(cell.Database, caller.WorkspaceId, input.Email ?? throw new Platform.ConfideException(Platform.ConfideError.ParameterMissing("email")),
            input.Name, role, caller, ct);
        return TypedResults.Ok(new TeammateAddedView(added.TeammateId, role, added.GeneratedPassword));
    }

    private static async Task<IResult> RemoveAsync(ApiCaller caller, CurrentCell cell, TeammateAdministration teammates, string id, CancellationToken ct)
    {
        await teammates.RemoveAsync(cell.Database, caller.WorkspaceId, id, caller, ct);
        return TypedResults.Ok(new { id, type = "admin", deleted = true });
    }

    private static async Task<IResult> ChangeRoleAsync(ApiCaller caller, CurrentCell cell, TeammateAdministration teammates, string id, RoleInput input, CancellationToken ct)
    {
        var role = input.Role ?? throw new Platform.ConfideException(Platform.ConfideError.ParameterMissing("role"));
        await teammates.ChangeRoleAsync(cell.Database, caller.WorkspaceId, id, role, caller, ct);
        return TypedResults.Ok(new TeammateAddedView(id, role, null));
    }
}
