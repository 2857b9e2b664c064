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
/// Intercom's <c>POST /user_delete_requests</c> and the receipt download
/// <c>GET /confide/privacy_requests/{id}/receipt</c>, both behind <c>privacy_requests.manage</c>.
/// </summary>
internal static class ErasureEndpoints
{
    public const string UserDeleteRequestsRoute = "/user_delete_requests";

    /// <summary>Intercom's body: the contact's id in <c>intercom_user_id</c>.</summary>
    internal sealed record UserDeleteRequestInput(string? IntercomUserId);

    /// <summary>Intercom answers an integer id; Confide's ids are strings (the privacy request's).</summary>
    internal sealed record UserDeleteRequestView(string Id);

    public static void MapErasureEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapPost(UserDeleteRequestsRoute, UserDeleteRequestAsync).RequirePermission(Permissions.PrivacyRequestsManage);
        api.MapGet($"{PrivacyRequestEndpoints.Route}/{{id}}/receipt", ReceiptAsync).RequirePermission(Permissions.PrivacyRequestsManage);
    }

    private static async Task<Ok<UserDeleteRequestView>> UserDeleteRequestAsync(
        ApiCaller caller, CurrentCell cell, UserDeleteRequests requests, UserDeleteRequestInput input, CancellationToken ct) =>
        TypedResults.Ok(new UserDeleteRequestView(await requests.EraseAsync(cell.Database, caller.WorkspaceId, input.IntercomUserId, caller.Actor, ct)));

    private static async Task<FileContentHttpResult> ReceiptAsync(ApiCaller caller, CurrentCell cell, string id, CancellationToken ct)
    {
        await using var db = cell.Database.CreateReadContext();
        var receipt = (PublicIds.IsEntityId(id)
                ? await db.ErasureReceipts.FirstOrDefaultAsync(r => r.WorkspaceId == caller.WorkspaceId && r.PrivacyRequestId == id, ct)
                : null)
            ?? throw new ConfideException(ConfideError.NotFound("Erasure receipt"));
        return TypedResults.File(ErasureReceiptDocument.From(receipt).ToJson(), "application/json", $"erasure-receipt-{receipt.Id}.json");
    }
}
