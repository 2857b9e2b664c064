using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Confide.Audit;
using Confide.Data;
using Confide.Data.Model;
using Confide.Messaging.Api;
using Confide.Messaging.Contacts;
using Confide.Messaging.Live;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Conversations;

/// <summary>Body of <c>POST /conversations/{id}/customers</c>: the teammate it is done as, and the contact to attach.</summary>
internal sealed record AttachCustomerInput([property: JsonConverter(typeof(IntercomIdConverter))] string? AdminId, CustomerReference? Customer);

/// <summary>The contact to attach: by Confide's id (<c>intercom_user_id</c>), external id (<c>user_id</c>) or email.</summary>
internal sealed record CustomerReference(string? IntercomUserId, string? UserId, string? Email);

/// <summary>Body of <c>DELETE /conversations/{id}/customers/{contact_id}</c>: the teammate it is done as.</summary>
internal sealed record DetachCustomerInput([property: JsonConverter(typeof(IntercomIdConverter))] string? AdminId);

/// <summary>
/// Attaching and detaching contacts of a conversation besides the one who started it: links of
/// ids (<see cref="ConversationParticipant"/>), listed in the conversation's <c>contacts</c> after
/// it. Attached contacts take no part in the messages (which stay sealed under the starting
/// contact's key, and only that contact replies); the link is erased with either contact. Each
/// change is an activity-log entry. Unlike Intercom, an email of nobody creates no lead (404).
/// </summary>
internal sealed class ConversationCustomerCommands(ILookupIndex lookup, ConversationSignals signals, ActivityLog log, TimeProvider time)
{
    /// <summary>Contacts attached to one conversation at most, besides the one who started it.</summary>
    public const int MaxParticipants = 25;

    public async Task AttachAsync(CellDatabase cell, string workspaceId, string conversationId, AttachCustomerInput input, ActivityActor actor)
    {
        var adminId = Text.Optional(input.AdminId, "admin_id", 64) ?? throw new ConfideException(ConfideError.ParameterMissing("admin_id"));
        var customer = input.Customer ?? throw new ConfideException(ConfideError.ParameterMissing("customer"));
        var byId = Text.Optional(customer.IntercomUserId, "customer.intercom_user_id", 64);
        var byExternalId = Text.Optional(customer.UserId, "customer.user_id", 255);
        var byEmail = Text.Optional(customer.Email, "customer.email", 254);
        if (new[] { byId, byExternalId, byEmail }.Count(v => v is not null) != 1)
        {
            throw new ConfideException(byId is null && byExternalId is null && byEmail is null
                ? ConfideError.ParameterMissing("customer.intercom_user_id")
                : ConfideError.ParameterInvalid("customer takes one of intercom_user_id, user_id or email"));
        }

        var keys = byId is null ? await lookup.ForWorkspaceAsync(cell, workspaceId, CancellationToken.None) : null;
        var externalKey = byExternalId is null ? null : keys!.ExternalId(byExternalId);
        var emailKey = byEmail is null ? null : keys!.Email(byEmail);
        var ownerId = await cell.Writer.WriteAsync(async (db, ct) =>
        {
            var conversation = await FindConversationAsync(db, workspaceId, conversationId, ct);
            await FindAdminAsync(db, workspaceId, adminId, ct);
            var contacts = db.Contacts.InWorkspace(workspaceId);
            var contact = byId is not null ? await contacts.FirstOrDefaultAsync(c => c.Id == byId, ct)
                : externalKey is not null ? await contacts.FirstOrDefaultAsync(c => c.ExternalIdLookup == externalKey, ct)
                : await contacts.OrderByDescending(c => c.Role == ContactRoles.User).FirstOrDefaultAsync(c => c.EmailLookup == emailKey, ct);
            if (contact is null)
            {
                throw new ConfideException(ConfideError.NotFound("User"));
            }

            // The starting contact, or one attached already: nothing to do.
            if (contact.Id == conversation.ContactId
                || await db.ConversationParticipants.AnyAsync(p => p.ConversationId == conversation.Id && p.ContactId == contact.Id, ct))
            {
                return conversation.ContactId;
            }

            if (await db.ConversationParticipants.CountAsync(p => p.ConversationId == conversation.Id, ct) >= MaxParticipants)
            {
                throw new ConfideException(ConfideError.ParameterInvalid($"A conversation can have at most {MaxParticipants} attached contacts"));
            }

            db.ConversationParticipants.Add(new ConversationParticipant
            {
                WorkspaceId = workspaceId,
                ConversationId = conversation.Id,
                ContactId = contact.Id,
                AddedById = adminId,
                CreatedAt = time.GetUtcNow(),
            });
            await RecordAsync(db, cell, workspaceId, actor, ActivityTypes.ConversationContactAttachment, "A contact was attached to a conversation.", conversation, contact.Id, adminId, ct);
            return conversation.ContactId;
        });
        signals.Publish(new ConversationChanged(workspaceId, conversationId, ownerId));
    }

    public async Task DetachAsync(CellDatabase cell, string workspaceId, string conversationId, string contactId, string? adminId, ActivityActor actor)
    {
        if (adminId is null)
        {
            throw new ConfideException(ConfideError.ParameterMissing("admin_id"));
        }

        var ownerId = await cell.Writer.WriteAsync(async (db, ct) =>
        {
            var conversation = await FindConversationAsync(db, workspaceId, conversationId, ct);
            await FindAdminAsync(db, workspaceId, adminId, ct);
            if (contactId == conversation.ContactId)
            {
                throw new ConfideException(ConfideError.ParameterInvalid("The contact who started the conversation cannot be detached from it"));
            }

            if (await db.ConversationParticipants.Where(p => p.ConversationId == conversation.Id && p.ContactId == contactId).ExecuteDeleteAsync(ct) == 0)
            {
                throw new ConfideException(ConfideError.NotFound("User"));
            }

            await RecordAsync(db, cell, workspaceId, actor, ActivityTypes.ConversationContactDetachment, "A contact was detached from a conversation.", conversation, contactId, adminId, ct);
            return conversation.ContactId;
        });
        signals.Publish(new ConversationChanged(workspaceId, conversationId, ownerId));
    }

    /// <summary>Ids only: the conversation, its contact, the attached or detached contact and the teammate it was done as.</summary>
    private async Task RecordAsync(ConfideDbContext db, CellDatabase cell, string workspaceId, ActivityActor actor, string type, string description, Conversation conversation, string participantId, string adminId, CancellationToken ct) =>
        await log.AppendAsync(db, cell, workspaceId, new ActivityEvent(
            type, actor, description,
            new ActivityTarget("conversation", conversation.Id),
            new JsonObject { ["contact_id"] = participantId, ["conversation_contact_id"] = conversation.ContactId, ["admin_id"] = adminId }), ct);

    private static async Task<Conversation> FindConversationAsync(ConfideDbContext db, string workspaceId, string conversationId, CancellationToken ct) =>
        await db.Conversations.AsNoTracking().FirstOrDefaultAsync(c => c.WorkspaceId == workspaceId && c.Id == conversationId, ct)
            ?? throw new ConfideException(ConfideError.NotFound("Conversation"));

    private static async Task FindAdminAsync(ConfideDbContext db, string workspaceId, string adminId, CancellationToken ct)
    {
        if (!await db.Teammates.AnyAsync(t => t.WorkspaceId == workspaceId && t.Id == adminId, ct))
        {
            throw new ConfideException(ConfideError.NotFound("Admin"));
        }
    }
}
