using System.Text.Json.Serialization;
using Confide.Data;
using Confide.Identity;
using Confide.Identity.Authorization;
using Confide.Messaging.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Confide.Messaging.Messages;

internal static class MessageEndpoints
{
    public static void MapMessageEndpoints(this IEndpointRouteBuilder api) =>
        api.MapPost("/messages", CreateAsync).RequirePermission(Permissions.ConversationsReply);

    private static async Task<IResult> CreateAsync(ApiCaller caller, CurrentCell cell, OutboundMessages messages, OutboundMessageInput input, CancellationToken ct) =>
        TypedResults.Ok(await messages.CreateAsync(cell.Database, caller.WorkspaceId, input, caller.Actor, ct));
}

/// <summary>
/// Body of <c>POST /messages</c>: who writes (<c>from</c>, an admin; its id may be a JSON number),
/// to whom (<c>to</c>, a user or lead by id), how (<c>message_type</c>) and what. Intercom's
/// <c>template</c> and <c>created_at</c> are accepted and not used: Confide sends plain text, now.
/// </summary>
internal sealed record OutboundMessageInput(
    string? MessageType,
    string? Subject,
    string? Body,
    string? Template,
    OutboundSender? From,
    OutboundRecipient? To,
    long? CreatedAt,
    bool? CreateConversationWithoutContactReply);

internal sealed record OutboundSender(string? Type, [property: JsonConverter(typeof(IntercomIdConverter))] string? Id);

internal sealed record OutboundRecipient(string? Type, string? Id);

/// <summary>Intercom's <c>message</c>: the message is the opening part of its conversation.</summary>
internal sealed record OutboundMessageView(string Id, long CreatedAt, string Subject, string Body, string MessageType, string ConversationId)
{
    public string Type { get; } = "admin_message";
}
