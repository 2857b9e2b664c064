using System.Text.Json;
using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Messaging.DataAttributes;
using Confide.Messaging.Live;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Conversations;

/// <summary>
/// <c>PUT /conversations/{id}</c>: marks a conversation read or unread, sets its priority and its
/// custom attributes. A priority change and a change of custom attributes are each an
/// activity-log entry in the same transaction (the attributes' names, never their values); the
/// read mark is not (it is not logged when a reply clears it either). Custom attributes are
/// checked against the workspace's <c>conversation</c> data attributes, merged by name, and
/// sealed under the key of the conversation's contact: exported and erased with them. Their
/// search tokens (ADR 0015) are replaced in the same transaction.
/// </summary>
internal sealed class ConversationUpdateCommands(ConversationSignals signals, ActivityLog log, ContactKeyRing contactKeys, ILookupIndex lookup, TimeProvider time)
{
    private const int MaxCustomAttributes = 100;

    public async Task UpdateAsync(CellDatabase cell, string workspaceId, string conversationId, UpdateConversationInput input, ActivityActor actor, CancellationToken cancellationToken = default)
    {
        var attributes = input.CustomAttributes is { ValueKind: not JsonValueKind.Null } given ? CheckShape(given) : (JsonElement?)null;
        await DataAttributeSchema.ValidateAsync(cell, workspaceId, DataAttributeModels.Conversation, attributes, cancellationToken);

        bool? priority = input.Priority switch
        {
            null => null,
            ConversationPriorities.Priority => true,
            ConversationPriorities.NotPriority => false,
            _ => throw new ConfideException(ConfideError.ParameterInvalid("priority must be 'priority' or 'not_priority'")),
        };
        // The workspace's keys are fetched before the single writer; the tokens are computed in it, from the merged attributes.
        var keys = attributes is null ? null : await lookup.ForWorkspaceAsync(cell, workspaceId, cancellationToken);
        var contactId = await cell.Writer.WriteAsync(async (db, ct) =>
        {
            var conversation = await db.Conversations.AsTracking().FirstOrDefaultAsync(c => c.WorkspaceId == workspaceId && c.Id == conversationId, ct)
                ?? throw new ConfideException(ConfideError.NotFound("Conversation"));
            if (input.Read is { } read)
            {
                conversation.Read = read;
            }

            if (attributes is { } changes)
            {
                var cipher = await contactKeys.ForContactAsync(cell, workspaceId, conversation.ContactId, ct);
                var before = cipher.CustomAttributes(conversation);
                var merged = Merge(before, changes);
                if (merged != before)
                {
                    cipher.SetCustomAttributes(conversation, merged);
                    await Search.SearchIndex.ReplaceForConversationAttributesAsync(db, keys!, conversation, merged, ct);
                    conversation.UpdatedAt = time.GetUtcNow();
                    await log.AppendAsync(db, cell, workspaceId, new ActivityEvent(
                        ActivityTypes.ConversationCustomAttributesChange, actor, "A conversation's custom attributes were changed.",
                        new ActivityTarget("conversation", conversation.Id),
                        new JsonObject
                        {
                            ["contact_id"] = conversation.ContactId,
                            ["attributes"] = new JsonArray([.. changes.EnumerateObject().Select(p => (JsonNode?)JsonValue.Create(p.Name))]),
                        }), ct);
                }
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
        }, cancellationToken);
        signals.Publish(new ConversationChanged(workspaceId, conversationId, contactId));
    }

    /// <summary>An object of 1 to 190-character names and flat values (string, number, boolean, null), as a contact's; a 400 otherwise.</summary>
    private static JsonElement CheckShape(JsonElement attributes)
    {
        if (attributes.ValueKind != JsonValueKind.Object)
        {
            throw new ConfideException(ConfideError.ParameterInvalid("custom_attributes must be an object"));
        }

        foreach (var property in attributes.EnumerateObject())
        {
            if (property.Name.Length is 0 or > 190)
            {
                throw new ConfideException(ConfideError.ParameterInvalid("custom_attributes names must be 1 to 190 characters"));
            }

            if (property.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
            {
                throw new ConfideException(ConfideError.ParameterInvalid("custom_attributes values must be strings, numbers, booleans or null"));
            }
        }

        return attributes;
    }

    /// <summary>Intercom merges custom attributes name by name; a null value is kept as null, as for contacts.</summary>
    private static string Merge(string existingJson, JsonElement changes)
    {
        var merged = JsonNode.Parse(existingJson)!.AsObject();
        foreach (var property in changes.EnumerateObject())
        {
            merged[property.Name] = JsonNode.Parse(property.Value.GetRawText());
        }

        if (merged.Count > MaxCustomAttributes)
        {
            throw new ConfideException(ConfideError.ParameterInvalid($"A conversation can have at most {MaxCustomAttributes} custom attributes"));
        }

        return merged.ToJsonString();
    }
}
