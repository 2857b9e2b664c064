using Confide.Data;
using Confide.Identity;
using Confide.Identity.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Confide.Messaging.Teams;

/// <summary>
/// Intercom's read-only <c>GET /teams</c> and <c>GET /teams/{id}</c>, and Confide's own
/// management endpoints (Intercom's API has none; teams are made in its UI).
/// </summary>
internal static class TeamEndpoints
{
    public static void MapTeamEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapGet("/teams", ListAsync).RequirePermission(Permissions.TeammatesRead);
        api.MapGet("/teams/{id}", GetAsync).RequirePermission(Permissions.TeammatesRead);

        var manage = api.MapGroup("/confide/teams").RequirePermission(Permissions.TeammatesManage);
        manage.MapPost("", CreateAsync);
        manage.MapPut("/{id}", ChangeAsync);
        manage.MapDelete("/{id}", DeleteAsync);
    }

    private static async Task<IResult> ListAsync(ApiCaller caller, CurrentCell cell, CancellationToken ct)
    {
        await using var db = cell.Database.CreateReadContext();
        return TypedResults.Ok(await TeamQueries.ListAsync(db, caller.WorkspaceId, ct));
    }

    private static async Task<IResult> GetAsync(ApiCaller caller, CurrentCell cell, string id, CancellationToken ct)
    {
        await using var db = cell.Database.CreateReadContext();
        return TypedResults.Ok(await TeamQueries.GetAsync(db, caller.WorkspaceId, id, ct));
    }

    private static async Task<IResult> CreateAsync(ApiCaller caller, CurrentCell cell, TeamCommands teams, TeamInput input, CancellationToken ct) =>
        TypedResults.Ok(await teams.CreateAsync(cell.Database, caller, input, ct));

    private static async Task<IResult> ChangeAsync(ApiCaller caller, CurrentCell cell, TeamCommands teams, string id, TeamInput input, CancellationToken ct) =>
        TypedResults.Ok(await teams.ChangeAsync(cell.Database, caller, id, input, ct));

    private static async Task<IResult> DeleteAsync(ApiCaller caller, CurrentCell cell, TeamCommands teams, string id, CancellationToken ct)
    {
        await teams.DeleteAsync(cell.Database, caller, id, ct);
        return TypedResults.Ok(new TeamDeletedView(id, true));
    }
}
