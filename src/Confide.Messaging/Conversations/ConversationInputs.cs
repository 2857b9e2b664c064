namespace Confide.Messaging.Conversations;

internal sealed record CreateConversationInput(ContactReference? From, string? Body, string? Subject);

internal sealed record ContactReference(string? Type, string? Id);

/// <summary>Body of <c>POST /conversations/{id}/reply</c>: an admin (admin_id) or the contact (intercom_user_id, user_id or email).</summary>
internal sealed record ReplyInput(string? MessageType, string? Type, string? AdminId, string? IntercomUserId, string? UserId, string? Email, string? Body);

/// <summary>
/// Body of <c>POST /conversations/{id}/parts</c>: close, open or assignment by an admin
/// (<c>admin_id</c>). For an assignment, <c>type</c> says what <c>assignee_id</c> names: an
/// admin or a team; <c>"0"</c> unassigns, as in Intercom.
/// </summary>
internal sealed record ManageInput(string? MessageType, string? Type, string? AdminId, string? AssigneeId, string? Body);
