using System.Text.Json;
using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Data;
using Confide.Messaging.Live;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Conversations;

/// <summary>
/// <c>PUT /conversations/{id}</c>: marks a conversation read or unread and sets its priority.
/// A priority change is an activity-log entry in the same transaction; the read mark is not
/// (it is not logged when a reply clears it either). Custom attributes are refused until
/// conversations have them.
/// </summary>
internal sealed class ConversationUpdateCommands(ConversationSignals signals, ActivityLog log)
{
    public async Task UpdateAsync(CellDatabase cell, string workspaceId, string conversationId, UpdateConversationInput input, ActivityActor actor)
    {
        if (input.CustomAttributes is { ValueKind: not JsonValueKind.Null })
        {
            throw new ConfideException(ConfideError.ParameterInvalid("custom_attributes on conversations are not supported yet"));
        }

        bool? priority = input.Priority switch
        {
            null => null,
            ConversationPriorities.Priority => true,
            ConversationPriorities.NotPriority => false,
            _ => throw new ConfideException(ConfideError.ParameterInvalid("priority must be 'priority' or 'not_priority'")),
        };
        var contactId = await cell.Writer.WriteAsync(async (db, ct) =>
        {
            var conversation = await db.Conversations.AsTracking().FirstOrDefaultAsync(c => c.WorkspaceId == workspaceId && c.Id == conversationId, ct)
                ?? throw new ConfideException(ConfideError.NotFound("Conversation"));
            if (input.Read is { } read)
            {
                conversation.Read = read;
            }

            if (priority is { } wanted && conversation.Priority != wanted)
            {
                conversation.Priority = wanted;
                await log.AppendAsync(db, cell, workspaceId, new ActivityEvent(
                    ActivityTypes.ConversationPriorityChange, actor, "A conversation's priority was changed.",
                    new ActivityTarget("conversation", conversation.Id),
                    new JsonObject
                    {
                        ["contact_id"] = conversation.ContactId,
                        ["before"] = wanted ? ConversationPriorities.NotPriority : ConversationPriorities.Priority,
                        ["after"] = wanted ? ConversationPriorities.Priority : ConversationPriorities.NotPriority,
                    }), ct);
            }

            return conversation.ContactId;
        });
        signals.Publish(new ConversationChanged(workspaceId, conversationId, contactId));
    }
}
