using System.Text.Json.Nodes;
using Confide.Data;
using Confide.Identity;
using Confide.Identity.Authorization;
using Confide.Platform;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Routing;

namespace Confide.Privacy.Retention;

/// <summary>
/// <c>/confide/retention_policy</c>: read and change the caller's workspace's retention policy, and
/// preview what a candidate policy would delete today (<c>/dry_run</c>), behind <c>retention.manage</c>
/// (docs/retention.md). A refused policy answers 400 with every reason in one Intercom error list.
/// </summary>
internal static class RetentionPolicyEndpoints
{
    public const string Route = "/confide/retention_policy";

    internal sealed record PolicyInput(string? Type, List<RetentionRuleInput>? Rules);

    public static void MapRetentionPolicyEndpoints(this IEndpointRouteBuilder api)
    {
        var policy = api.MapGroup(Route).RequirePermission(Permissions.RetentionManage);
        policy.MapGet("", GetAsync);
        policy.MapPut("", PutAsync);
        policy.MapPost("/dry_run", DryRunAsync);
    }

    private static async Task<Ok<JsonObject>> GetAsync(ApiCaller caller, CurrentCell cell, RetentionPolicyCommands commands, CancellationToken ct) =>
        TypedResults.Ok(await PolicyJsonAsync(cell.Database, caller.WorkspaceId, await commands.ReadAsync(cell.Database, caller.WorkspaceId, ct), ct));

    private static async Task<Results<Ok<JsonObject>, JsonHttpResult<IntercomErrorBody>>> PutAsync(
        ApiCaller caller, CurrentCell cell, RetentionPolicyCommands commands, HttpContext http, PolicyInput input, CancellationToken ct)
    {
        if (input.Rules is null)
        {
            return Refused(http, [new("parameter_not_found", "rules is required")]);
        }

        try
        {
            var saved = await commands.SaveAsync(cell.Database, caller.WorkspaceId, input.Rules, caller.Actor, ct);
            return TypedResults.Ok(await PolicyJsonAsync(cell.Database, caller.WorkspaceId, saved, ct));
        }
        catch (RetentionPolicyRefusedException refused)
        {
            return Refused(http, refused.Errors);
        }
    }

    private static async Task<Results<Ok<JsonObject>, JsonHttpResult<IntercomErrorBody>>> DryRunAsync(
        ApiCaller caller, CurrentCell cell, RetentionPolicyCommands commands, HttpContext http,
        [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] PolicyInput? input, CancellationToken ct)
    {
        try
        {
            var (rules, held) = await commands.DryRunAsync(cell.Database, caller.WorkspaceId, input?.Rules, ct);
            return TypedResults.Ok(new JsonObject
            {
                ["type"] = "retention_dry_run",
                ["workspace_held"] = held,
                ["rules"] = new JsonArray([.. rules.Select(r => (JsonNode)r.ToJson())]),
            });
        }
        catch (RetentionPolicyRefusedException refused)
        {
            return Refused(http, refused.Errors);
        }
    }

    internal static async Task<JsonObject> PolicyJsonAsync(CellDatabase cell, string workspaceId, IReadOnlyList<RetentionRuleState> rules, CancellationToken ct)
    {
        var last = await RetentionStatusQueries.LastWorkspaceRunAsync(cell, workspaceId, ct);
        return new JsonObject
        {
            ["type"] = "retention_policy",
            ["rules"] = new JsonArray([.. rules.Select(r => (JsonNode)r.ToJson())]),
            ["last_run"] = last?.ToJson(),
        };
    }

    private static JsonHttpResult<IntercomErrorBody> Refused(HttpContext http, IReadOnlyList<RetentionPolicyError> errors) =>
        TypedResults.Json(new IntercomErrorBody(http.TraceIdentifier, [.. errors.Select(e => new IntercomErrorItem(e.Code, e.Message))]), statusCode: StatusCodes.Status400BadRequest);
}
