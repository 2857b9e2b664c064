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

    /// <summary>
    /// A teammate just invited: the person joins through the mailed link. The answer is the same
    /// whether or not the address already has an account, and holds no credential.
    /// </summary>
    internal sealed record TeammateInvitedView(string Id, string Role, InvitationView Invitation)
    {
        public string Type { get; } = "admin";
    }

    /// <param name="ExpiresAt">Unix seconds after which the link no longer works.</param>
    /// <param name="Sent">Whether the mail was handed over; if not, send it again later.</param>
    internal sealed record InvitationView(long ExpiresAt, bool Sent);

    internal sealed record RoleView(string Id, string Role)
    {
        public string Type { get; } = "admin";
    }

    public static void MapTeammateEndpoints(this IEndpointRouteBuilder api)
    {
        var teammates = api.MapGroup("/confide/teammates").RequirePermission(Permissions.TeammatesManage);
        teammates.MapPost("", AddAsync);
        teammates.MapPut("/{id}/role", ChangeRoleAsync);
        teammates.MapDelete("/{id}", RemoveAsync);
        teammates.MapPost("/{id}/invitation", ResendInvitationAsync);
    }

    private static async Task<IResult> AddAsync(ApiCaller caller, CurrentCell cell, TeammateAdministration teammates, AddTeammateInput input, CancellationToken ct)
    {
        var role = input.Role ?? Data.Model.TeammateRoles.Agent;
        var added = await teammates.AddAsync(cell.Database, caller.WorkspaceId, input.Email ?? throw new Platform.ConfideException(Platform.ConfideError.ParameterMissing("email")),
            input.Name, role, caller, ct);
        return TypedResults.Ok(new TeammateInvitedView(added.TeammateId, role, View(added)));
    }

    private static async Task<IResult> ResendInvitationAsync(ApiCaller caller, CurrentCell cell, TeammateAdministration teammates, string id, CancellationToken ct)
    {
        var resent = await teammates.ResendInvitationAsync(cell.Database, caller.WorkspaceId, id, ct);
        return TypedResults.Ok(new { type = "admin", id, invitation = View(resent) });
    }

    private static InvitationView View(TeammateAdministration.Added added) =>
        new(added.InvitationExpiresAt.ToUnixTimeSeconds(), added.InvitationSent);

    private static async Task<IResult> RemoveAsync(ApiCaller caller, CurrentCell cell, TeammateAdministration teammates, string id, CancellationToken ct)
    {
        await teammates.RemoveAsync(cell.Database, caller.WorkspaceId, id, caller, ct);
        return TypedResults.Ok(new { id, type = "admin", deleted = true });
    }

    private static async Task<IResult> ChangeRoleAsync(ApiCaller caller, CurrentCell cell, TeammateAdministration teammates, string id, RoleInput input, CancellationToken ct)
    {
        var role = input.Role ?? throw new Platform.ConfideException(Platform.ConfideError.ParameterMissing("role"));
        await teammates.ChangeRoleAsync(cell.Database, caller.WorkspaceId, id, role, caller, ct);
        return TypedResults.Ok(new RoleView(id, role));
    }
}
