using Confide.Data;
using Confide.Identity;
using Confide.Identity.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Confide.Privacy.LegalHolds;

/// <summary><c>/confide/legal_holds</c>: set, list, read and release legal holds, all behind <c>retention.manage</c> (docs/legal-holds.md).</summary>
internal static class LegalHoldEndpoints
{
    public const string Route = "/confide/legal_holds";

    public static void MapLegalHoldEndpoints(this IEndpointRouteBuilder api)
    {
        var holds = api.MapGroup(Route).RequirePermission(Permissions.RetentionManage);
        holds.MapPost("", SetAsync);
        holds.MapGet("", ListAsync);
        holds.MapGet("/{id}", GetAsync);
        holds.MapDelete("/{id}", ReleaseAsync);
    }

    private static async Task<Ok<LegalHoldView>> SetAsync(ApiCaller caller, CurrentCell cell, LegalHoldCommands commands, LegalHoldReader reader, LegalHoldInput input, CancellationToken ct)
    {
        var hold = await commands.SetAsync(cell.Database, caller.WorkspaceId, input, caller.Actor, ct);
        return TypedResults.Ok(await reader.ViewAsync(cell.Database, hold, ct));
    }

    private static async Task<Ok<LegalHoldListView>> ListAsync(
        ApiCaller caller, CurrentCell cell, LegalHoldReader reader,
        string? state, [FromQuery(Name = "target_type")] string? targetType, [FromQuery(Name = "target_id")] string? targetId,
        [FromQuery(Name = "per_page")] int? perPage, [FromQuery(Name = "starting_after")] string? startingAfter, CancellationToken ct) =>
        TypedResults.Ok(await reader.PageAsync(cell.Database, caller.WorkspaceId, LegalHoldFilter.Parse(state, targetType, targetId), perPage, startingAfter, ct));

    private static async Task<Ok<LegalHoldView>> GetAsync(ApiCaller caller, CurrentCell cell, LegalHoldReader reader, string id, CancellationToken ct) =>
        TypedResults.Ok(await reader.GetAsync(cell.Database, caller.WorkspaceId, id, ct));

    private static async Task<Ok<LegalHoldView>> ReleaseAsync(ApiCaller caller, CurrentCell cell, LegalHoldCommands commands, LegalHoldReader reader, string id, CancellationToken ct)
    {
        var hold = await commands.ReleaseAsync(cell.Database, caller.WorkspaceId, id, caller.Actor, ct);
        return TypedResults.Ok(await reader.ViewAsync(cell.Database, hold, ct));
    }
}
