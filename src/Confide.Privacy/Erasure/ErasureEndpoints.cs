using System.Text.Json;
using Confide.Data;
using Confide.Identity;
using Confide.Identity.Authorization;
using Confide.Platform;
using Confide.Privacy.Requests;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Confide.Privacy.Erasure;

/// <summary>
/// Intercom's <c>POST /user_delete_requests</c>, an erasure request's erasure
/// <c>POST /confide/privacy_requests/{id}/erase</c> and its receipt download
/// <c>GET /confide/privacy_requests/{id}/receipt</c>, all behind <c>privacy_requests.manage</c>;
/// the bulk erasure <c>POST /confide/contacts/bulk_delete</c>, behind <c>contacts.bulk_delete</c>.
/// </summary>
internal static class ErasureEndpoints
{
    public const string UserDeleteRequestsRoute = "/user_delete_requests";

    public const string BulkDeleteRoute = "/confide/contacts/bulk_delete";

    /// <summary>Intercom's body: the contact's id in <c>intercom_user_id</c>.</summary>
    internal sealed record UserDeleteRequestInput(string? IntercomUserId);

    /// <summary>Intercom answers an integer id; Confide's ids are strings (the privacy request's).</summary>
    internal sealed record UserDeleteRequestView(string Id);

    public static void MapErasureEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapPost(UserDeleteRequestsRoute, UserDeleteRequestAsync).RequirePermission(Permissions.PrivacyRequestsManage);
        api.MapGet($"{PrivacyRequestEndpoints.Route}/{{id}}/receipt", ReceiptAsync).RequirePermission(Permissions.PrivacyRequestsManage);
        api.MapPost($"{PrivacyRequestEndpoints.Route}/{{id}}/erase", EraseAsync).RequirePermission(Permissions.PrivacyRequestsManage);
        api.MapPost(BulkDeleteRoute, BulkDeleteAsync).RequirePermission(Permissions.ContactsBulkDelete);
    }

    private static async Task<Ok<ContactBulkErasureView>> BulkDeleteAsync(ApiCaller caller, CurrentCell cell, ContactBulkErasure bulk, JsonElement body, CancellationToken ct) =>
        TypedResults.Ok(await bulk.RunAsync(cell.Database, caller.WorkspaceId, ContactBulkErasure.Parse(body), caller.Actor, ct));

    private static async Task<Ok<UserDeleteRequestView>> UserDeleteRequestAsync(
        ApiCaller caller, CurrentCell cell, UserDeleteRequests requests, UserDeleteRequestInput input, CancellationToken ct) =>
        TypedResults.Ok(new UserDeleteRequestView(await requests.EraseAsync(cell.Database, caller.WorkspaceId, input.IntercomUserId, caller.Actor, ct)));

    private static async Task<FileContentHttpResult> ReceiptAsync(ApiCaller caller, CurrentCell cell, string id, CancellationToken ct)
    {
        var receipt = await PrivacyRequestErasure.ReceiptAsync(cell.Database, caller.WorkspaceId, id, ct) ?? throw new ConfideException(ConfideError.NotFound("Erasure receipt"));
        return TypedResults.File(receipt.Json, "application/json", receipt.FileName);
    }

    private static async Task<Ok<PrivacyRequestView>> EraseAsync(
        ApiCaller caller, CurrentCell cell, PrivacyRequestErasure erasure, PrivacyRequestQueries queries, string id, CancellationToken ct)
    {
        await erasure.EraseAsync(cell.Database, caller.WorkspaceId, id, caller.Actor, ct);
        return TypedResults.Ok(await queries.GetAsync(cell.Database, caller.WorkspaceId, id, ct));
    }
}
