using Confide.Crypto;
using Confide.Data;
using Confide.Identity;
using Confide.Identity.Authorization;
using Confide.Messaging.Contacts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Confide.Messaging.Visitors;

internal static class VisitorEndpoints
{
    public static void MapVisitorEndpoints(this IEndpointRouteBuilder api)
    {
        var visitors = api.MapGroup("/visitors");
        visitors.MapGet("", GetAsync).RequirePermission(Permissions.ContactsRead);
        visitors.MapPut("", UpdateAsync).RequirePermission(Permissions.ContactsWrite);
        visitors.MapPost("/convert", ConvertAsync).RequirePermission(Permissions.ContactsWrite);
    }

    private static async Task<IResult> GetAsync(ApiCaller caller, CurrentCell cell, VisitorCommands visitors, [FromQuery(Name = "user_id")] string? userId, CancellationToken ct)
    {
        var visitor = await visitors.FindAsync(cell.Database, caller.WorkspaceId, null, userId, null, ct);
        return TypedResults.Ok(await visitors.ViewAsync(cell.Database, visitor, userId, ct));
    }

    private static async Task<IResult> UpdateAsync(ApiCaller caller, CurrentCell cell, VisitorCommands visitors, UpdateVisitorInput input, CancellationToken ct) =>
        TypedResults.Ok(await visitors.UpdateAsync(cell.Database, caller.WorkspaceId, input, ct));

    /// <summary>Answers the contact the visitor became (or was merged into), as Intercom does.</summary>
    private static async Task<IResult> ConvertAsync(ApiCaller caller, CurrentCell cell, VisitorCommands visitors, ContactKeyRing keys, ConvertVisitorInput input, CancellationToken ct)
    {
        var contact = await visitors.ConvertAsync(cell.Database, caller.WorkspaceId, input, caller.Actor, ct);
        await using var db = cell.Database.CreateReadContext();
        return TypedResults.Ok(await ContactQueries.ViewAsync(db, keys, cell.Database, contact, ct));
    }
}
