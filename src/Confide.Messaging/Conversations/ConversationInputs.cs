using System.Text.Json.Serialization;
using Confide.Messaging.Api;

namespace Confide.Messaging.Conversations;

internal sealed record CreateConversationInput(ContactReference? From, string? Body, string? Subject);

internal sealed record ContactReference(string? Type, string? Id);

/// <summary>Body of <c>POST /conversations/{id}/reply</c>: an admin (admin_id) or the contact (intercom_user_id, user_id or email).</summary>
internal sealed record ReplyInput(string? MessageType, string? Type, [property: JsonConverter(typeof(IntercomIdConverter))] string? AdminId, string? IntercomUserId, string? UserId, string? Email, string? Body);

/// <summary>
/// Body of <c>POST /conversations/{id}/parts</c>: close, snoozed (until <c>snoozed_until</c>,
/// Unix seconds), open or assignment by an admin (<c>admin_id</c>). For an assignment,
/// <c>type</c> says what <c>assignee_id</c> names: an admin or a team; <c>"0"</c> unassigns, as
/// in Intercom. Ids may be sent as JSON numbers, as Intercom takes them.
/// </summary>
internal sealed record ManageInput(
    string? MessageType,
    string? Type,
    [property: JsonConverter(typeof(IntercomIdConverter))] string? AdminId,
    [property: JsonConverter(typeof(IntercomIdConverter))] string? AssigneeId,
    string? Body,
    long? SnoozedUntil = null);

/// <summary>Body of <c>PUT /conversations/{id}</c>: <c>read</c>, <c>priority</c> and <c>custom_attributes</c> (absent ones unchanged; attributes merged by name).</summary>
internal sealed record UpdateConversationInput(bool? Read, string? Priority, System.Text.Json.JsonElement? CustomAttributes);

/// <summary>Body of <c>POST /conversations/{id}/tags</c>: the tag and the teammate it is applied as.</summary>
internal sealed record ConversationTagInput(string? Id, [property: JsonConverter(typeof(IntercomIdConverter))] string? AdminId);

/// <summary>Intercom's values of a conversation's <c>priority</c>.</summary>
internal static class ConversationPriorities
{
    public const string Priority = "priority";
    public const string NotPriority = "not_priority";
}

/// <summary>
/// Body of <c>POST /conversations/redact</c>: <c>type</c> <c>conversation_part</c> with
/// <c>conversation_part_id</c>, or <c>source</c> with <c>source_id</c> (the opening message).
/// </summary>
internal sealed record RedactInput(
    string? Type,
    [property: JsonConverter(typeof(IntercomIdConverter))] string? ConversationId,
    [property: JsonConverter(typeof(IntercomIdConverter))] string? ConversationPartId,
    [property: JsonConverter(typeof(IntercomIdConverter))] string? SourceId);
