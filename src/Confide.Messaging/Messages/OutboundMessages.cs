using System.Net;
using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Messaging.Api;
using Confide.Messaging.Contacts;
using Confide.Messaging.Conversations;
using Confide.Messaging.Live;
using Confide.Platform;
using Confide.Platform.Mail;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Confide.Messaging.Messages;

/// <summary>
/// Intercom's admin-initiated messages (<c>POST /messages</c>, docs/outbound-messages.md): a
/// teammate writes first. Each message is a conversation of the contact whose opening part the
/// teammate wrote (so its source is <c>admin_initiated</c>), shown in the contact's messenger with
/// the message unread; unless <c>create_conversation_without_contact_reply</c> is true it waits
/// closed, out of the inbox, until the contact replies (which reopens it). An email message also
/// goes to the contact's address through the mail sender (the outbox in the embedded mode, SMTP
/// when configured); its address and text are never logged.
/// </summary>
internal sealed partial class OutboundMessages(ContactKeyRing contactKeys, ILookupIndex lookup, ConversationCommands conversations, ConversationSignals signals, ActivityLog log, IMailSender mail, TimeProvider time, ILogger<OutboundMessages> logger)
{
    public const string MailPurpose = "outbound_message";
    public const string InApp = "inapp";
    public const string Email = "email";
    private const int MaxBodyLength = 65_536;

    public async Task<OutboundMessageView> CreateAsync(CellDatabase cell, string workspaceId, OutboundMessageInput input, ActivityActor actor, CancellationToken cancellationToken)
    {
        var messageType = input.MessageType switch
        {
            null or InApp or "in_app" => InApp,
            Email => Email,
            _ => throw new ConfideException(ConfideError.ParameterInvalid("message_type must be 'inapp' or 'email'")),
        };
        if (input.From is null || input.From.Type != "admin")
        {
            throw new ConfideException(input.From is null ? ConfideError.ParameterMissing("from") : ConfideError.ParameterInvalid("from.type must be 'admin'"));
        }

        if (input.To?.Id is not { Length: > 0 } contactId)
        {
            throw new ConfideException(ConfideError.ParameterMissing("to.id"));
        }

        if (input.To.Type is not (null or ContactRoles.User or ContactRoles.Lead))
        {
            throw new ConfideException(ConfideError.ParameterInvalid("to.type must be 'user' or 'lead'"));
        }

        var body = Text.Optional(input.Body, "body", MaxBodyLength)
            ?? throw new ConfideException(ConfideError.ParameterInvalid("Body is required"));
        var subject = Text.Optional(input.Subject, "subject", 255);
        if (messageType == Email && subject is null)
        {
            // Intercom's answer to an email without a subject.
            throw new ConfideException(new ConfideError(HttpStatusCode.UnprocessableEntity, "parameter_not_found", "No subject supplied for email message"));
        }

        var adminId = input.From.Id;
        var waitsForReply = input.CreateConversationWithoutContactReply != true;
        // Its subject and opening message are searchable as any conversation's (ADR 0015): tokens computed before the single writer.
        var tokens = Search.SearchIndex.ConversationTokens(await lookup.ForWorkspaceAsync(cell, workspaceId, cancellationToken), subject, body);
        var created = await cell.Writer.WriteAsync(async (db, ct) =>
        {
            var admin = await ConversationCommands.FindAdminAsync(db, workspaceId, adminId, ct, field: "from.id");
            var contact = await db.Contacts.InWorkspace(workspaceId).FirstOrDefaultAsync(c => c.Id == contactId, ct)
                ?? throw new ConfideException(ConfideError.NotFound("User"));
            var cipher = await contactKeys.ForContactAsync(cell, workspaceId, contact.Id, ct);
            var address = messageType == Email
                ? cipher.Email(contact) ?? throw new ConfideException(ConfideError.ParameterInvalid("The contact has no email address to send an email message to"))
                : null;
            var now = time.GetUtcNow();
            var conversation = new Conversation
            {
                Id = PublicIds.NewEntityId(time),
                WorkspaceId = workspaceId,
                ContactId = contact.Id,
                State = waitsForReply ? ConversationStates.Closed : ConversationStates.Open,
                ClosedAt = waitsForReply ? now : null,
                // The teammate wrote it: nothing in it is unread for the team.
                Read = true,
                CreatedAt = now,
                UpdatedAt = now,
            };
            cipher.SetTitle(conversation, subject);
            db.Conversations.Add(conversation);
            var opening = conversations.Append(db, cipher, conversation, PartTypes.Comment, body, "admin", admin.Id, assignedTo: null);
            db.SearchTokens.AddRange(Search.SearchIndex.Rows(tokens, conversation));
            await log.AppendAsync(db, cell, workspaceId, new ActivityEvent(
                ActivityTypes.MessageCreation, actor, $"An admin-initiated message ({messageType}) was sent to a contact.",
                new ActivityTarget("conversation", conversation.Id),
                new JsonObject { ["message_type"] = messageType, ["part_id"] = opening.Id, ["contact_id"] = contact.Id, ["from_admin_id"] = admin.Id }), ct);
            return (Conversation: conversation, Opening: opening, Address: address);
        }, cancellationToken);
        signals.Publish(new ConversationChanged(workspaceId, created.Conversation.Id, created.Conversation.ContactId));

        if (created.Address is { } to)
        {
            try
            {
                await mail.SendAsync(new OutgoingMail(MailPurpose, to, subject!, body), cancellationToken);
            }
            catch (MailNotSentException e)
            {
                // The message stands (the contact sees it in the messenger); the failure is logged once, without address or text.
                LogMailNotSent(logger, workspaceId, created.Conversation.Id, e.Message);
            }
        }

        return new OutboundMessageView(created.Opening.Id, Unix.Seconds(created.Opening.CreatedAt), subject ?? "", body, messageType, created.Conversation.Id);
    }

    [LoggerMessage(EventId = 4960, EventName = "OutboundEmailNotSent", Level = LogLevel.Warning,
        Message = "The email of admin-initiated message in conversation {ConversationId} (workspace {WorkspaceId}) could not be handed over: {Reason}")]
    private static partial void LogMailNotSent(ILogger logger, string workspaceId, string conversationId, string reason);
}
