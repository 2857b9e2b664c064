using Confide.Data;
using Confide.Identity;
using Confide.Identity.Authorization;
using Confide.Messaging.Contacts;
using Confide.Platform;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Subscriptions;

/// <summary>
/// Intercom's subscription types (<c>GET /subscription_types</c>) and a contact's subscriptions
/// (<c>/contacts/{id}/subscriptions</c>), and Confide's own management of the types
/// (<c>/confide/subscription_types</c>), which Intercom's API does not offer.
/// </summary>
internal static class SubscriptionEndpoints
{
    public static void MapSubscriptionEndpoints(IEndpointRouteBuilder api)
    {
        api.MapGet("/subscription_types", ListAsync).RequirePermission(Permissions.ContactsRead);
        api.MapPost("/confide/subscription_types", CreateAsync).RequirePermission(Permissions.ContactsWrite);
        api.MapPut("/confide/subscription_types/{id}", UpdateAsync).RequirePermission(Permissions.ContactsWrite);
        api.MapDelete("/confide/subscription_types/{id}", DeleteAsync).RequirePermission(Permissions.ContactsWrite);
        api.MapGet("/contacts/{contactId}/subscriptions", ListForContactAsync).RequirePermission(Permissions.ContactsRead);
        api.MapPost("/contacts/{contactId}/subscriptions", AttachAsync).RequirePermission(Permissions.ContactsWrite);
        api.MapDelete("/contacts/{contactId}/subscriptions/{id}", DetachAsync).RequirePermission(Permissions.ContactsWrite);
    }

    /// <summary>Every type of the workspace, archived and draft ones too, by id.</summary>
    private static async Task<IResult> ListAsync(ApiCaller caller, CurrentCell cell, CancellationToken ct)
    {
        await using var db = cell.Database.CreateReadContext();
        var types = await db.SubscriptionTypes.Where(t => t.WorkspaceId == caller.WorkspaceId).OrderBy(t => t.Id).ToListAsync(ct);
        return TypedResults.Ok(new SubscriptionTypeListView([.. types.Select(SubscriptionTypeView.From)]));
    }

    private static async Task<IResult> CreateAsync(ApiCaller caller, CurrentCell cell, SubscriptionTypeCommands commands, SubscriptionTypeInput input, CancellationToken ct) =>
        TypedResults.Ok(SubscriptionTypeView.From(await commands.CreateAsync(cell.Database, caller, input, ct)));

    private static async Task<IResult> UpdateAsync(ApiCaller caller, CurrentCell cell, SubscriptionTypeCommands commands, string id, SubscriptionTypeInput input, CancellationToken ct) =>
        TypedResults.Ok(SubscriptionTypeView.From(await commands.UpdateAsync(cell.Database, caller, id, input, ct)));

    private static async Task<IResult> DeleteAsync(ApiCaller caller, CurrentCell cell, SubscriptionTypeCommands commands, string id, CancellationToken ct)
    {
        await commands.DeleteAsync(cell.Database, caller, id, ct);
        return TypedResults.Ok(new SubscriptionTypeDeletedView(id));
    }

    /// <summary>The types the contact chose explicitly (opted in to an opt-in type, or out of an opt-out one); types at their default are not listed, as in Intercom.</summary>
    private static async Task<IResult> ListForContactAsync(ApiCaller caller, CurrentCell cell, string contactId, CancellationToken ct)
    {
        await using var db = cell.Database.CreateReadContext();
        if (!await db.Contacts.InWorkspace(caller.WorkspaceId).AnyAsync(c => c.Id == contactId, ct))
        {
            throw new ConfideException(ConfideError.NotFound("User"));
        }

        var types = await ContactSubscriptionCommands.AttachedAsync(db, caller.WorkspaceId, contactId, ct);
        return TypedResults.Ok(new SubscriptionTypeListView([.. types.Select(SubscriptionTypeView.From)]));
    }

    private static async Task<IResult> AttachAsync(ApiCaller caller, CurrentCell cell, ContactSubscriptionCommands commands, string contactId, ContactSubscriptionInput input, CancellationToken ct) =>
        TypedResults.Ok(SubscriptionTypeView.From(await commands.AttachAsync(cell.Database, caller, contactId, input, ct)));

    private static async Task<IResult> DetachAsync(ApiCaller caller, CurrentCell cell, ContactSubscriptionCommands commands, string contactId, string id, CancellationToken ct) =>
        TypedResults.Ok(SubscriptionTypeView.From(await commands.DetachAsync(cell.Database, caller, contactId, id, ct)));
}
