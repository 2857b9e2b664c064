using Confide.Data;
using Confide.Identity;
using Confide.Identity.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Confide.Privacy.Requests;

/// <summary><c>/confide/privacy_requests</c>: data-subject requests, all behind <c>privacy_requests.manage</c>.</summary>
internal static class PrivacyRequestEndpoints
{
    public const string Route = "/confide/privacy_requests";

    public static void MapPrivacyRequestEndpoints(this IEndpointRouteBuilder api)
    {
        var requests = api.MapGroup(Route).RequirePermission(Permissions.PrivacyRequestsManage);
        requests.MapPost("", CreateAsync);
        requests.MapGet("", ListAsync);
        requests.MapGet("/{id}", GetAsync);
        foreach (var action in PrivacyRequestTransitions.All)
        {
            requests.MapPost($"/{{id}}/{action}", (ApiCaller caller, CurrentCell cell, PrivacyRequestCommands commands, PrivacyRequestQueries queries, string id, [FromBody] PrivacyRequestReasonInput? input, CancellationToken ct) =>
                TransitionAsync(caller, cell, commands, queries, id, action, input, ct));
        }

        requests.MapPost("/{id}/extend", ExtendAsync);
    }

    private static async Task<Ok<PrivacyRequestView>> CreateAsync(ApiCaller caller, CurrentCell cell, PrivacyRequestCommands commands, PrivacyRequestQueries queries, PrivacyRequestInput input, CancellationToken ct)
    {
        var request = await commands.CreateAsync(cell.Database, caller.WorkspaceId, caller.TeammateId, caller.Actor, input, ct);
        return TypedResults.Ok(await queries.ViewAsync(cell.Database, request, ct));
    }

    private static async Task<Ok<PrivacyRequestListView>> ListAsync(
        ApiCaller caller, CurrentCell cell, PrivacyRequestQueries queries,
        string? state, string? due, [FromQuery(Name = "per_page")] int? perPage, [FromQuery(Name = "starting_after")] string? startingAfter, CancellationToken ct) =>
        TypedResults.Ok(await queries.PageAsync(cell.Database, caller.WorkspaceId, PrivacyRequestFilter.Parse(state, due), perPage, startingAfter, ct));

    private static async Task<Ok<PrivacyRequestView>> GetAsync(ApiCaller caller, CurrentCell cell, PrivacyRequestQueries queries, string id, CancellationToken ct) =>
        TypedResults.Ok(await queries.GetAsync(cell.Database, caller.WorkspaceId, id, ct));

    private static async Task<Ok<PrivacyRequestView>> TransitionAsync(
        ApiCaller caller, CurrentCell cell, PrivacyRequestCommands commands, PrivacyRequestQueries queries, string id, string action, PrivacyRequestReasonInput? input, CancellationToken ct)
    {
        var request = await commands.TransitionAsync(cell.Database, caller.WorkspaceId, id, action, input?.Reason, caller.Actor, ct);
        return TypedResults.Ok(await queries.ViewAsync(cell.Database, request, ct));
    }

    private static async Task<Ok<PrivacyRequestView>> ExtendAsync(
        ApiCaller caller, CurrentCell cell, PrivacyRequestCommands commands, PrivacyRequestQueries queries, string id, PrivacyRequestReasonInput input, CancellationToken ct)
    {
        var request = await commands.ExtendAsync(cell.Database, caller.WorkspaceId, id, input.Reason, caller.Actor, ct);
        return TypedResults.Ok(await queries.ViewAsync(cell.Database, request, ct));
    }
}
