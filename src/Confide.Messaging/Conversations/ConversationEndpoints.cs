using Confide.Audit;
using Confide.Crypto;
using Confide.Data;
using Confide.Identity;
using Confide.Identity.Authorization;
using Confide.Messaging.Admins;
using Confide.Messaging.Api;
using Confide.Platform;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Routing;

namespace Confide.Messaging.Conversations;

internal static class ConversationEndpoints
{
    public static void MapConversationEndpoints(this IEndpointRouteBuilder api)
    {
        var conversations = api.MapGroup("/conversations");
        conversations.MapPost("", CreateAsync).RequirePermission(Permissions.ConversationsReply);
        conversations.MapGet("", ListAsync).RequirePermission(Permissions.ConversationsReadAssigned);
        conversations.MapPost("/search", SearchAsync).RequirePermission(Permissions.ConversationsReadAssigned);
        conversations.MapGet("/{id}", GetAsync).RequirePermission(Permissions.ConversationsReadAssigned);
        conversations.MapPut("/{id}", UpdateAsync).RequirePermission(Permissions.ConversationsReply);
        conversations.MapPost("/{id}/tags", TagAsync).RequirePermission(Permissions.ConversationsReply);
        conversations.MapDelete("/{id}/tags/{tagId}", UntagAsync).RequirePermission(Permissions.ConversationsReply);
        conversations.MapPost("/{id}/reply", ReplyAsync).RequirePermission(Permissions.ConversationsReply);
        conversations.MapPost("/{id}/parts", ManageAsync).RequirePermission(Permissions.ConversationsReply);
        conversations.MapDelete("/{id}", DeleteAsync).RequirePermission(Permissions.ConversationsDelete);
    }

    private static async Task<IResult> CreateAsync(ApiCaller caller, CurrentCell cell, ConversationCommands commands, CreateConversationInput input)
    {
        var (conversation, opening, subject, body) = await commands.CreateAsync(cell.Database, caller.WorkspaceId, input);
        return TypedResults.Ok(new MessageView(opening.Id, Unix.Seconds(opening.CreatedAt), subject, body, conversation.Id));
    }

    private static async Task<IResult> ListAsync(ApiCaller caller, CurrentCell cell, ContactKeyRing keys, [FromQuery(Name = "per_page")] int? perPage, [FromQuery(Name = "starting_after")] string? startingAfter, CancellationToken ct)
    {
        var size = PageSize.Resolve(perPage, 20);
        var after = Cursor.Decode(startingAfter);
        await using var db = cell.Database.CreateReadContext();
        return TypedResults.Ok(await ConversationQueries.PageAsync(db, keys, cell.Database, caller.WorkspaceId, size, after, ct, ScopeOf(caller)));
    }

    /// <summary>Intercom's conversation search (<see cref="ConversationSearchQuery"/>), over the conversations the caller may read.</summary>
    private static async Task<IResult> SearchAsync(ApiCaller caller, CurrentCell cell, ContactKeyRing keys, ILookupIndex lookup, Search.EncryptedSearch search, SearchRequest request, CancellationToken ct)
    {
        if (request.Query is not { } query)
        {
            throw new ConfideException(ConfideError.ParameterMissing("query"));
        }

        var size = PageSize.Resolve(request.Pagination?.PerPage, 20);
        var after = Cursor.Decode(request.Pagination?.StartingAfter);
        await using var db = cell.Database.CreateReadContext();
        var lookupKeys = await lookup.ForWorkspaceAsync(cell.Database, caller.WorkspaceId, ct);
        var predicate = await ConversationSearchQuery.CompileAsync(query, db, search, lookupKeys, cell.Database, caller.WorkspaceId, ct);
        return TypedResults.Ok(await ConversationQueries.PageAsync(db, keys, cell.Database, caller.WorkspaceId, size, after, ct, ScopeOf(caller), predicate));
    }

    private static async Task<IResult> GetAsync(ApiCaller caller, CurrentCell cell, ContactKeyRing keys, string id, CancellationToken ct)
    {
        await using var db = cell.Database.CreateReadContext();
        return TypedResults.Ok(await ConversationQueries.GetAsync(db, keys, cell.Database, caller.WorkspaceId, id, ct, ScopeOf(caller)));
    }

    /// <summary>A caller who may read only some conversations (theirs, their teams') sees, and acts on, nothing else (404, as if absent).</summary>
    private static ConversationScope? ScopeOf(ApiCaller caller) => ConversationScope.For(caller.Permissions, caller.TeammateId);

    private static async Task EnsureVisibleAsync(ApiCaller caller, CurrentCell cell, ContactKeyRing keys, string id, CancellationToken ct)
    {
        if (ScopeOf(caller) is { } scope)
        {
            await using var db = cell.Database.CreateReadContext();
            await ConversationQueries.GetAsync(db, keys, cell.Database, caller.WorkspaceId, id, ct, scope);
        }
    }

    private static async Task<IResult> ReplyAsync(ApiCaller caller, CurrentCell cell, ConversationCommands commands, ContactKeyRing keys, string id, ReplyInput input, CancellationToken ct)
    {
        await EnsureVisibleAsync(caller, cell, keys, id, ct);
        if (input.Type == "admin")
        {
            await ActingAdmin.EnsureAllowedAsync(caller, cell.Database, input.AdminId, ct);
        }

        await commands.ReplyAsync(cell.Database, caller.WorkspaceId, id, input, caller.Actor);
        await using var db = cell.Database.CreateReadContext();
        return TypedResults.Ok(await ConversationQueries.GetAsync(db, keys, cell.Database, caller.WorkspaceId, id, ct, ScopeOf(caller)));
    }

    private static async Task<IResult> ManageAsync(ApiCaller caller, CurrentCell cell, ConversationCommands commands, ContactKeyRing keys, string id, ManageInput input, CancellationToken ct)
    {
        await EnsureVisibleAsync(caller, cell, keys, id, ct);
        await ActingAdmin.EnsureAllowedAsync(caller, cell.Database, input.AdminId, ct);
        await commands.ManageAsync(cell.Database, caller.WorkspaceId, id, input, caller.Actor);
        await using var db = cell.Database.CreateReadContext();
        return TypedResults.Ok(await ConversationQueries.GetAsync(db, keys, cell.Database, caller.WorkspaceId, id, ct));
    }

    private static async Task<IResult> UpdateAsync(ApiCaller caller, CurrentCell cell, ConversationUpdateCommands commands, ContactKeyRing keys, string id, UpdateConversationInput input, CancellationToken ct)
    {
        await EnsureVisibleAsync(caller, cell, keys, id, ct);
        await commands.UpdateAsync(cell.Database, caller.WorkspaceId, id, input, caller.Actor);
        await using var db = cell.Database.CreateReadContext();
        return TypedResults.Ok(await ConversationQueries.GetAsync(db, keys, cell.Database, caller.WorkspaceId, id, ct, ScopeOf(caller)));
    }

    private static async Task<IResult> TagAsync(ApiCaller caller, CurrentCell cell, ConversationTagCommands commands, ContactKeyRing keys, string id, ConversationTagInput input, CancellationToken ct)
    {
        await EnsureVisibleAsync(caller, cell, keys, id, ct);
        await ActingAdmin.EnsureAllowedAsync(caller, cell.Database, input.AdminId, ct);
        return TypedResults.Ok(await commands.TagAsync(cell.Database, caller.WorkspaceId, id, input, caller.Actor));
    }

    /// <summary>Intercom sends <c>{"admin_id"}</c> as the body of this DELETE; Confide also takes none.</summary>
    private static async Task<IResult> UntagAsync(ApiCaller caller, CurrentCell cell, ConversationTagCommands commands, ContactKeyRing keys, string id, string tagId,
        [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] ConversationTagInput? input, CancellationToken ct)
    {
        await EnsureVisibleAsync(caller, cell, keys, id, ct);
        var adminId = Text.Optional(input?.AdminId, "admin_id", 64);
        await ActingAdmin.EnsureAllowedAsync(caller, cell.Database, adminId, ct);
        return TypedResults.Ok(await commands.UntagAsync(cell.Database, caller.WorkspaceId, id, tagId, adminId, caller.Actor));
    }

    private static async Task<IResult> DeleteAsync(ApiCaller caller, CurrentCell cell, ActivityLog log, TimeProvider time, string id)
    {
        await ConversationCommands.DeleteAsync(cell.Database, log, time, caller.Actor, caller.WorkspaceId, id);
        return TypedResults.Ok(new ConversationDeletedView(id, true));
    }
}
