using System.Net;
using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Data;
using Confide.Data.Model;
using Confide.Messaging.Live;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Conversations;

/// <summary>
/// <c>POST /conversations/redact</c>: destroys the text of one part (<c>conversation_part</c>) or
/// of the opening message (<c>source</c>). The ciphertext is removed from the row, not flagged
/// and kept: nothing can decrypt the text again from the live database, and the part reads
/// <c>redacted: true</c> with an empty body everywhere (API, inbox, messenger, export). The part
/// itself stays, so the conversation's order, statistics and activity history hold. An
/// activity-log entry names the part and never its text. Redacting a redacted part again
/// changes nothing and records nothing. A legal hold on the conversation, its contact or the
/// workspace refuses it (409 <c>legal_hold</c>), as it refuses deleting the conversation.
/// </summary>
internal sealed class ConversationRedaction(ConversationSignals signals, ActivityLog log, TimeProvider time)
{
    public const string PartType = "conversation_part";
    public const string SourceType = "source";

    /// <summary>The conversation and part a request names, checked before the writer: the type and the ids.</summary>
    public static (string ConversationId, string PartId, bool Source) Target(RedactInput input)
    {
        var source = input.Type switch
        {
            null or "" => throw new ConfideException(ConfideError.ParameterMissing("type")),
            PartType => false,
            SourceType => true,
            _ => throw new ConfideException(ConfideError.ParameterInvalid("type must be 'conversation_part' or 'source'")),
        };
        var conversationId = input.ConversationId is { Length: > 0 } c ? c : throw new ConfideException(ConfideError.ParameterMissing("conversation_id"));
        var partId = source
            ? input.SourceId is { Length: > 0 } s ? s : throw new ConfideException(ConfideError.ParameterMissing("source_id"))
            : input.ConversationPartId is { Length: > 0 } p ? p : throw new ConfideException(ConfideError.ParameterMissing("conversation_part_id"));
        return (conversationId, partId, source);
    }

    public async Task RedactAsync(CellDatabase cell, string workspaceId, RedactInput input, ActivityActor actor)
    {
        var (conversationId, partId, source) = Target(input);
        var contactId = await cell.Writer.WriteAsync(async (db, ct) =>
        {
            var conversation = await db.Conversations.AsNoTracking().FirstOrDefaultAsync(c => c.WorkspaceId == workspaceId && c.Id == conversationId, ct)
                ?? throw new ConfideException(ConfideError.NotFound("Conversation"));
            var part = await db.ConversationParts.AsTracking().FirstOrDefaultAsync(p => p.ConversationId == conversation.Id && p.Id == partId, ct)
                ?? throw NotFound();
            // The source is the opening message (sequence 1); every other part is a conversation_part.
            if ((part.Sequence == 1) != source)
            {
                throw NotFound();
            }

            if (part.Redacted)
            {
                return conversation.ContactId;
            }

            if (part.EncryptedBody is null || part.PartType == PartTypes.RetentionTombstone || (source && part.AuthorType == "admin"))
            {
                throw new ConfideException(new ConfideError(HttpStatusCode.BadRequest, "conversation_part_not_redactable",
                    source ? "Only a source message with a body, written by a contact, can be redacted" : "Only a conversation part with a body can be redacted"));
            }

            var now = time.GetUtcNow();
            if (await db.IsWorkspaceHeldAsync(workspaceId, now, ct) || await db.HeldConversationIds(workspaceId, now).ContainsAsync(conversation.Id, ct))
            {
                throw new ConfideException(ConfideError.LegalHold("This conversation"));
            }

            part.EncryptedBody = null;
            part.Redacted = true;
            await log.AppendAsync(db, cell, workspaceId, new ActivityEvent(
                ActivityTypes.ConversationPartRedaction, actor, "A conversation part's text was redacted.",
                new ActivityTarget("conversation", conversation.Id),
                new JsonObject
                {
                    ["contact_id"] = conversation.ContactId,
                    ["part_id"] = part.Id,
                    ["part_type"] = part.PartType,
                    ["redacted"] = source ? SourceType : PartType,
                }), ct);
            return conversation.ContactId;
        });
        signals.Publish(new ConversationChanged(workspaceId, conversationId, contactId));
    }

    /// <summary>Intercom's code for a part or source message the conversation does not have.</summary>
    private static ConfideException NotFound() =>
        new(new ConfideError(HttpStatusCode.NotFound, "conversation_part_or_message_not_found", "Conversation part or message not found"));
}
