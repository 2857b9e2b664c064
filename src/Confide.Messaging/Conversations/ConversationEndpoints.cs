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
        // Destroys a message's text, as deleting it would: the permission to delete conversations.
        conversations.MapPost("/redact", RedactAsync).RequirePermission(Permissions.ConversationsDelete);
        conversations.MapGet("/{id}", GetAsync).RequirePermission(Permissions.ConversationsReadAssigned);
        conversations.MapPut("/{id}", UpdateAsync).RequirePermission(Permissions.ConversationsReply);
        conversations.MapPost("/{id}/tags", TagAsync).RequirePermission(Permissions.ConversationsReply);
        conversations.MapDelete("/{id}/tags/{tagId}", UntagAsync).RequirePermission(Permissions.ConversationsReply);
        conversations.MapPost("/{id}/reply", ReplyAsync).RequirePermission(Permissions.ConversationsReply);
        conversations.MapPost("/{id}/parts", ManageAsync).RequirePermission(Permissions.ConversationsReply);
        conversations.MapPost("/{id}/run_assignment_rules", RunAssignmentRulesAsync).RequirePermission(Permissions.ConversationsReply);
        conversations.MapPost("/{id}/customers", AttachCustomerAsync).RequirePermission(Permissions.ConversationsReply);
        conversations.MapDelete("/{id}/customers/{contactId}", DetachCustomerAsync).RequirePermission(Permissions.ConversationsReply);
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
        await commands.UpdateAsync(cell.Database, caller.WorkspaceId, id, input, caller.Actor, ct);
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

    /// <summary>Destroys the text of a part or of the opening message (<see cref="ConversationRedaction"/>); answers the conversation.</summary>
    private static async Task<IResult> RedactAsync(ApiCaller caller, CurrentCell cell, ConversationRedaction redaction, ContactKeyRing keys, RedactInput input, CancellationToken ct)
    {
        var (conversationId, _, _) = ConversationRedaction.Target(input);
        await EnsureVisibleAsync(caller, cell, keys, conversationId, ct);
        await redaction.RedactAsync(cell.Database, caller.WorkspaceId, input, caller.Actor);
        await using var db = cell.Database.CreateReadContext();
        return TypedResults.Ok(await ConversationQueries.GetAsync(db, keys, cell.Database, caller.WorkspaceId, conversationId, ct, ScopeOf(caller)));
    }

    /// <summary>Attaches a contact to the conversation (<see cref="ConversationCustomerCommands"/>); answers the conversation.</summary>
    private static async Task<IResult> AttachCustomerAsync(ApiCaller caller, CurrentCell cell, ConversationCustomerCommands commands, ContactKeyRing keys, string id, AttachCustomerInput input, CancellationToken ct)
    {
        await EnsureVisibleAsync(caller, cell, keys, id, ct);
        await ActingAdmin.EnsureAllowedAsync(caller, cell.Database, input.AdminId, ct);
        await commands.AttachAsync(cell.Database, caller.WorkspaceId, id, input, caller.Actor);
        await using var db = cell.Database.CreateReadContext();
        return TypedResults.Ok(await ConversationQueries.GetAsync(db, keys, cell.Database, caller.WorkspaceId, id, ct, ScopeOf(caller)));
    }

    /// <summary>Intercom sends <c>{"admin_id"}</c> as the body of this DELETE, as for tags.</summary>
    private static async Task<IResult> DetachCustomerAsync(ApiCaller caller, CurrentCell cell, ConversationCustomerCommands commands, ContactKeyRing keys, string id, string contactId,
        [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] DetachCustomerInput? input, CancellationToken ct)
    {
        await EnsureVisibleAsync(caller, cell, keys, id, ct);
        var adminId = Text.Optional(input?.AdminId, "admin_id", 64);
        await ActingAdmin.EnsureAllowedAsync(caller, cell.Database, adminId, ct);
        await commands.DetachAsync(cell.Database, caller.WorkspaceId, id, contactId, adminId, caller.Actor);
        await using var db = cell.Database.CreateReadContext();
        return TypedResults.Ok(await ConversationQueries.GetAsync(db, keys, cell.Database, caller.WorkspaceId, id, ct, ScopeOf(caller)));
    }

    /// <summary>
    /// Confide has no assignment rules: for a conversation the caller may see, a documented 422
    /// <c>assignment_rules_not_supported</c> (404 as for any other route when it is not theirs).
    /// </summary>
    private static async Task<IResult> RunAssignmentRulesAsync(ApiCaller caller, CurrentCell cell, ContactKeyRing keys, string id, CancellationToken ct)
    {
        await using (var db = cell.Database.CreateReadContext())
        {
            await ConversationQueries.GetAsync(db, keys, cell.Database, caller.WorkspaceId, id, ct, ScopeOf(caller));
        }

        throw new ConfideException(new ConfideError(System.Net.HttpStatusCode.UnprocessableEntity, "assignment_rules_not_supported",
            "Confide has no assignment rules; assign the conversation with POST /conversations/{id}/parts (message_type 'assignment'). See docs/api.md"));
    }

    private static async Task<IResult> DeleteAsync(ApiCaller caller, CurrentCell cell, ActivityLog log, TimeProvider time, string id)
    {
        await ConversationCommands.DeleteAsync(cell.Database, log, time, caller.Actor, caller.WorkspaceId, id);
        return TypedResults.Ok(new ConversationDeletedView(id, true));
    }
}
