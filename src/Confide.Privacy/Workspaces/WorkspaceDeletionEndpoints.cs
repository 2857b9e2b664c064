using System.Net;
using System.Text.Json.Nodes;
using Confide.Data;
using Confide.Identity;
using Confide.Identity.Authorization;
using Confide.Platform;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Confide.Privacy.Workspaces;

/// <summary>
/// <c>/confide/workspace_deletion</c>: read, schedule and cancel the caller's workspace's deletion,
/// behind <c>workspace.delete</c> (owners only). An API call has no step-up, so scheduling takes
/// more than an owner's full token: a token whose scopes name <c>workspace.delete</c> explicitly,
/// made for the purpose (docs/api.md). Reading and cancelling need only the permission.
/// </summary>
internal static class WorkspaceDeletionEndpoints
{
    public const string Route = "/confide/workspace_deletion";

    internal sealed record ScheduleInput(string? ConfirmName, int? GraceDays);

    public static void MapWorkspaceDeletionEndpoints(this IEndpointRouteBuilder api)
    {
        var deletion = api.MapGroup(Route).RequirePermission(Permissions.WorkspaceDelete);
        deletion.MapGet("", GetAsync);
        deletion.MapPost("", ScheduleAsync);
        deletion.MapDelete("", CancelAsync);
    }

    private static async Task<Ok<JsonObject>> GetAsync(ApiCaller caller, CurrentCell cell, CancellationToken ct) =>
        TypedResults.Ok((await WorkspaceDeletionCommands.GetAsync(cell.Database, caller.WorkspaceId, ct)).ToJson());

    private static async Task<Ok<JsonObject>> ScheduleAsync(ApiCaller caller, CurrentCell cell, WorkspaceDeletionCommands commands, ScheduleInput input, CancellationToken ct)
    {
        if (!caller.IsOwner)
        {
            throw new ConfideException(ConfideError.Forbidden("Only an owner can delete the workspace"));
        }

        if (!caller.Scoped)
        {
            throw new ConfideException(new ConfideError(HttpStatusCode.Forbidden, "explicit_scope_required",
                "Deleting the workspace over the API needs a token whose scopes name workspace.delete; a token with all of its owner's permissions is not enough"));
        }

        return TypedResults.Ok((await commands.ScheduleAsync(cell.Database, caller.WorkspaceId, input.ConfirmName, input.GraceDays, caller.Actor, ct)).ToJson());
    }

    private static async Task<Ok<JsonObject>> CancelAsync(ApiCaller caller, CurrentCell cell, WorkspaceDeletionCommands commands, CancellationToken ct)
    {
        await commands.CancelAsync(cell.Database, caller.WorkspaceId, caller.Actor, ct);
        return TypedResults.Ok((await WorkspaceDeletionCommands.GetAsync(cell.Database, caller.WorkspaceId, ct)).ToJson());
    }
}
