using Confide.Audit;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Jobs;
using Confide.Data.Model;
using Confide.Messaging.Api;
using Confide.Messaging.Contacts;
using Confide.Messaging.Live;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Conversations;

/// <summary>
/// Every change to a conversation appends a part; state and counters move with it in one
/// transaction. A part a teammate or an API token adds is also an activity-log entry in that
/// transaction; an end user's own messenger messages are not (the log is the workspace's).
/// </summary>
internal sealed class ConversationCommands(ILookupIndex lookup, ContactKeyRing contactKeys, ConversationSignals signals, ActivityLog log, JobQueue jobs, TimeProvider time)
{
    private const int MaxBodyLength = 65_536;

    // Compiled once: these lookups run inside the cell's single writer, where every
    // microsecond spent translating LINQ is a microsecond no other write can use.
    private static readonly CompiledPerProvider<Func<ConfideDbContext, string, string, CancellationToken, Task<Conversation?>>> ConversationById = new(() =>
        EF.CompileAsyncQuery((ConfideDbContext db, string workspaceId, string conversationId, CancellationToken ct) =>
            db.Conversations.AsTracking().FirstOrDefault(c => c.WorkspaceId == workspaceId && c.Id == conversationId)));

    private static readonly CompiledPerProvider<Func<ConfideDbContext, string, string, CancellationToken, Task<Teammate?>>> TeammateById = new(() =>
        EF.CompileAsyncQuery((ConfideDbContext db, string workspaceId, string teammateId, CancellationToken ct) =>
            db.Teammates.AsNoTracking().FirstOrDefault(t => t.WorkspaceId == workspaceId && t.Id == teammateId)));

    public async Task<(Conversation Conversation, ConversationPart Opening, string? Subject, string Body)> CreateAsync(CellDatabase cell, string workspaceId, CreateConversationInput input)
    {
        if (input.From?.Id is not { Length: > 0 } contactId)
        {
            throw new ConfideException(ConfideError.ParameterMissing("from.id"));
        }

        if (input.From.Type is not (null or "user" or "lead" or "contact"))
        {
            throw new ConfideException(ConfideError.ParameterInvalid("from.type must be 'user', 'lead' or 'contact'"));
        }

        var body = Text.Required(input.Body, "body", MaxBodyLength);
        var subject = Text.Optional(input.Subject, "subject", 255);
        // The search tokens are computed before the single writer; only their rows are written in it.
        var conversationId = PublicIds.NewEntityId(time);
        var tokens = Search.SearchIndex.ConversationTokens(await lookup.ForWorkspaceAsync(cell, workspaceId, CancellationToken.None), subject, body);
        var created = await cell.Writer.WriteAsync(async (db, ct) =>
        {
            var contact = await db.Contacts.InWorkspace(workspaceId).FirstOrDefaultAsync(c => c.Id == contactId, ct)
                ?? throw new ConfideException(ConfideError.NotFound("User"));
            var cipher = await contactKeys.ForContactAsync(cell, workspaceId, contact.Id, ct);
            var now = time.GetUtcNow();
            var conversation = new Conversation
            {
                Id = conversationId,
                WorkspaceId = workspaceId,
                ContactId = contact.Id,
                State = ConversationStates.Open,
                CreatedAt = now,
                UpdatedAt = now,
            };
            cipher.SetTitle(conversation, subject);
            db.Conversations.Add(conversation);
            var opening = Append(db, cipher, conversation, PartTypes.Comment, body, contact.Role, contact.Id, assignedTo: null);
            db.SearchTokens.AddRange(Search.SearchIndex.Rows(tokens, conversation));
            contact.LastSeenAt = now;
            return (conversation, opening, subject, body);
        });
        signals.Publish(new ConversationChanged(workspaceId, created.conversation.Id, created.conversation.ContactId));
        return created;
    }

    /// <param name="actor">Who to record in the activity log; null only for an end user's own messenger reply.</param>
    public async Task ReplyAsync(CellDatabase cell, string workspaceId, string conversationId, ReplyInput input, ActivityActor? actor)
    {
        var body = Text.Required(input.Body, "body", MaxBodyLength);
        var messageType = input.MessageType ?? PartTypes.Comment;
        // Lookup keys only when a contact replies identified by external id or email.
        var needsLookup = input.Type != "admin" && input.IntercomUserId is not { Length: > 0 } && (input.UserId is { Length: > 0 } || input.Email is { Length: > 0 });
        var keys = needsLookup ? await lookup.ForWorkspaceAsync(cell, workspaceId, CancellationToken.None) : null;
        var contactId = await cell.Writer.WriteAsync(async (db, ct) =>
        {
            var conversation = await FindAsync(db, workspaceId, conversationId, ct);
            var cipher = await contactKeys.ForContactAsync(cell, workspaceId, conversation.ContactId, ct);
            switch (input.Type)
            {
                case "admin":
                    if (messageType is not (PartTypes.Comment or PartTypes.Note))
                    {
                        throw new ConfideException(ConfideError.ParameterInvalid("message_type must be 'comment' or 'note'"));
                    }

                    var admin = await FindAdminAsync(db, workspaceId, input.AdminId, ct);
                    var reply = Append(db, cipher, conversation, messageType, body, "admin", admin.Id, assignedTo: null);
                    conversation.Read = false;
                    await RecordAsync(db, cell, actor, reply, ct);
                    break;
                case "user" or "lead" or "contact":
                    if (messageType != PartTypes.Comment)
                    {
                        throw new ConfideException(ConfideError.ParameterInvalid("A contact can only reply with message_type 'comment'"));
                    }

                    var contact = await FindReplyingContactAsync(db, workspaceId, input, keys, ct);
                    if (contact.Id != conversation.ContactId)
                    {
                        throw new ConfideException(ConfideError.ParameterInvalid("The contact is not a participant of this conversation"));
                    }

                    var contactReply = Append(db, cipher, conversation, PartTypes.Comment, body, contact.Role, contact.Id, assignedTo: null);
                    // A customer reply re-opens a closed or snoozed conversation, as in Intercom
                    // (a snooze's job then finds nothing to do).
                    conversation.State = ConversationStates.Open;
                    conversation.ClosedAt = null;
                    conversation.SnoozedUntil = null;
                    contact.LastSeenAt = time.GetUtcNow();
                    await RecordAsync(db, cell, actor, contactReply, ct);
                    break;
                default:
                    throw new ConfideException(ConfideError.ParameterInvalid("type must be 'admin' or 'user'"));
            }

            return conversation.ContactId;
        });
        signals.Publish(new ConversationChanged(workspaceId, conversationId, contactId));
    }

    public async Task ManageAsync(CellDatabase cell, string workspaceId, string conversationId, ManageInput input, ActivityActor actor)
    {
        if (input.Type is not (null or AssigneeTypes.Admin or AssigneeTypes.Team))
        {
            throw new ConfideException(ConfideError.ParameterInvalid("type must be 'admin' or 'team'"));
        }

        if (input.Type == AssigneeTypes.Team && input.MessageType != PartTypes.Assignment)
        {
            throw new ConfideException(ConfideError.ParameterInvalid("type 'team' is only for message_type 'assignment'"));
        }

        var body = Text.Optional(input.Body, "body", MaxBodyLength);
        var snoozedUntil = input.MessageType == PartTypes.Snoozed ? SnoozeEnd(input.SnoozedUntil) : (DateTimeOffset?)null;
        var contactId = await cell.Writer.WriteAsync(async (db, ct) =>
        {
            var conversation = await FindAsync(db, workspaceId, conversationId, ct);
            var cipher = await contactKeys.ForContactAsync(cell, workspaceId, conversation.ContactId, ct);
            var admin = await FindAdminAsync(db, workspaceId, input.AdminId, ct);
            ConversationPart part;
            System.Text.Json.Nodes.JsonObject? extra = null;
            switch (input.MessageType)
            {
                case PartTypes.Close:
                    conversation.State = ConversationStates.Closed;
                    conversation.ClosedAt = time.GetUtcNow();
                    conversation.SnoozedUntil = null;
                    part = Append(db, cipher, conversation, PartTypes.Close, body, "admin", admin.Id, assignedTo: null);
                    break;
                case PartTypes.Open:
                    conversation.State = ConversationStates.Open;
                    conversation.ClosedAt = null;
                    conversation.SnoozedUntil = null;
                    part = Append(db, cipher, conversation, PartTypes.Open, body, "admin", admin.Id, assignedTo: null);
                    break;
                case PartTypes.Snoozed:
                    // The job that reopens it commits with the snooze, or neither does; a later
                    // open, close, reply or snooze leaves that job nothing to do when it runs.
                    var until = snoozedUntil!.Value;
                    conversation.State = ConversationStates.Snoozed;
                    conversation.SnoozedUntil = until;
                    conversation.ClosedAt = null;
                    part = Append(db, cipher, conversation, PartTypes.Snoozed, body, "admin", admin.Id, assignedTo: null);
                    await jobs.EnqueueAsync(db, ConversationUnsnoozeJob.Request(workspaceId, conversation.Id, part.Id, until), ct);
                    extra = new System.Text.Json.Nodes.JsonObject { ["snoozed_until"] = until.ToUnixTimeSeconds() };
                    break;
                case PartTypes.Assignment when input.Type == AssigneeTypes.Team:
                    // The team assignee is independent of the admin assignee, as in Intercom.
                    var team = Unassigns(input.AssigneeId) ? null : await FindTeamAsync(db, workspaceId, input.AssigneeId, ct);
                    conversation.TeamAssigneeId = team?.Id;
                    part = Append(db, cipher, conversation, PartTypes.Assignment, body, "admin", admin.Id, team?.Id, AssigneeTypes.Team);
                    break;
                case PartTypes.Assignment:
                    var assignee = Unassigns(input.AssigneeId) ? null : await FindAdminAsync(db, workspaceId, input.AssigneeId, ct, field: "assignee_id");
                    conversation.AdminAssigneeId = assignee?.Id;
                    part = Append(db, cipher, conversation, PartTypes.Assignment, body, "admin", admin.Id, assignee?.Id, AssigneeTypes.Admin);
                    break;
                default:
                    throw new ConfideException(ConfideError.ParameterInvalid("message_type must be 'close', 'snoozed', 'open' or 'assignment'"));
            }

            await RecordAsync(db, cell, actor, part, ct, extra);
            return conversation.ContactId;
        });
        signals.Publish(new ConversationChanged(workspaceId, conversationId, contactId));
    }

    /// <summary>When a snooze ends: <c>snoozed_until</c>, Unix seconds, later than now (400 otherwise).</summary>
    private DateTimeOffset SnoozeEnd(long? snoozedUntil)
    {
        if (snoozedUntil is not { } seconds)
        {
            throw new ConfideException(ConfideError.ParameterMissing("snoozed_until"));
        }

        if (seconds <= time.GetUtcNow().ToUnixTimeSeconds() || seconds > UnixSeconds.Max)
        {
            throw new ConfideException(ConfideError.ParameterInvalid("snoozed_until must be a Unix timestamp in seconds in the future"));
        }

        return DateTimeOffset.FromUnixTimeSeconds(seconds);
    }

    /// <summary>Intercom's way to leave a conversation without an admin or team assignee.</summary>
    private static bool Unassigns(string? assigneeId) => assigneeId == "0";

    /// <summary>Deletes a conversation with its parts and search tokens; 409 <c>legal_hold</c> when a legal hold protects it (on itself, its contact or the workspace).</summary>
    public static async Task DeleteAsync(CellDatabase cell, ActivityLog log, TimeProvider time, ActivityActor actor, string workspaceId, string conversationId) =>
        await cell.Writer.WriteAsync(async (db, ct) =>
        {
            var conversation = await FindAsync(db, workspaceId, conversationId, ct);
            var now = time.GetUtcNow();
            if (await db.IsWorkspaceHeldAsync(workspaceId, now, ct) || await db.HeldConversationIds(workspaceId, now).ContainsAsync(conversation.Id, ct))
            {
                throw new ConfideException(ConfideError.LegalHold("This conversation"));
            }

            await db.ConversationTags.Where(t => t.WorkspaceId == workspaceId && t.ConversationId == conversation.Id).ExecuteDeleteAsync(ct);
            await db.ConversationParticipants.Where(p => p.WorkspaceId == workspaceId && p.ConversationId == conversation.Id).ExecuteDeleteAsync(ct);
            // Its search tokens (subject, opening message, custom attributes) stand for its values: they go with it.
            await db.SearchTokens.Where(t => t.WorkspaceId == workspaceId && t.ContactId == conversation.ContactId && t.OwnerId == conversation.Id).ExecuteDeleteAsync(ct);
            db.Conversations.Remove(conversation);
            await log.AppendAsync(db, cell, workspaceId, new ActivityEvent(
                ActivityTypes.ConversationDeletion, actor, "A conversation and all its parts were deleted.",
                new ActivityTarget("conversation", conversation.Id),
                new System.Text.Json.Nodes.JsonObject { ["contact_id"] = conversation.ContactId, ["part_count"] = conversation.PartCount }), ct);
        });

    /// <summary>The part as an activity-log entry: ids and the part's type only, never its body.</summary>
    private async Task RecordAsync(ConfideDbContext db, CellDatabase cell, ActivityActor? actor, ConversationPart part, CancellationToken ct, System.Text.Json.Nodes.JsonObject? extra = null)
    {
        if (actor is null)
        {
            return;
        }

        var metadata = new System.Text.Json.Nodes.JsonObject
        {
            ["part_id"] = part.Id,
            ["part_type"] = part.PartType,
            ["author_type"] = part.AuthorType,
            ["author_id"] = part.AuthorId,
        };
        if (part.AssignedToId is not null)
        {
            metadata["assigned_to"] = new System.Text.Json.Nodes.JsonObject { ["type"] = part.AssignedToType, ["id"] = part.AssignedToId };
        }

        if (extra is not null)
        {
            foreach (var (name, value) in extra)
            {
                metadata[name] = value?.DeepClone();
            }
        }

        await log.AppendAsync(db, cell, part.WorkspaceId, new ActivityEvent(
            ActivityTypes.ConversationPartCreation, actor, $"A conversation part ({part.PartType}) was added.",
            new ActivityTarget("conversation", part.ConversationId), metadata), ct);
    }

    internal ConversationPart Append(ConfideDbContext db, ContactCipher cipher, Conversation conversation, string partType, string? body, string authorType, string authorId, string? assignedTo, string? assignedToType = null)
    {
        var now = time.GetUtcNow();
        conversation.PartCount++;
        conversation.UpdatedAt = now;
        var part = new ConversationPart
        {
            Id = PublicIds.NewEntityId(time),
            WorkspaceId = conversation.WorkspaceId,
            ConversationId = conversation.Id,
            Sequence = conversation.PartCount,
            PartType = partType,
            AuthorType = authorType,
            AuthorId = authorId,
            AssignedToId = assignedTo,
            AssignedToType = assignedToType,
            CreatedAt = now,
        };
        cipher.SetBody(part, body);
        db.ConversationParts.Add(part);
        return part;
    }

    private static async Task<Conversation> FindAsync(ConfideDbContext db, string workspaceId, string conversationId, CancellationToken ct) =>
        await ConversationById.For(db)(db, workspaceId, conversationId, ct)
            ?? throw new ConfideException(ConfideError.NotFound("Conversation"));

    internal static async Task<Teammate> FindAdminAsync(ConfideDbContext db, string workspaceId, string? adminId, CancellationToken ct, string field = "admin_id")
    {
        if (string.IsNullOrEmpty(adminId))
        {
            throw new ConfideException(ConfideError.ParameterMissing(field));
        }

        return await TeammateById.For(db)(db, workspaceId, adminId, ct)
            ?? throw new ConfideException(ConfideError.NotFound("Admin"));
    }

    private static async Task<Team> FindTeamAsync(ConfideDbContext db, string workspaceId, string? teamId, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(teamId))
        {
            throw new ConfideException(ConfideError.ParameterMissing("assignee_id"));
        }

        return await db.Teams.AsNoTracking().FirstOrDefaultAsync(t => t.WorkspaceId == workspaceId && t.Id == teamId, ct)
            ?? throw new ConfideException(ConfideError.NotFound("Team"));
    }

    private static async Task<Contact> FindReplyingContactAsync(ConfideDbContext db, string workspaceId, ReplyInput input, LookupKeys? lookup, CancellationToken ct)
    {
        var contacts = db.Contacts.InWorkspace(workspaceId);
        Contact? contact;
        if (input.IntercomUserId is { Length: > 0 } id)
        {
            contact = await contacts.FirstOrDefaultAsync(c => c.Id == id, ct);
        }
        else if (input.UserId is { Length: > 0 } externalId)
        {
            var key = lookup!.ExternalId(externalId);
            contact = await contacts.FirstOrDefaultAsync(c => c.ExternalIdLookup == key, ct);
        }
        else if (input.Email is { Length: > 0 } email)
        {
            var key = lookup!.Email(email);
            contact = await contacts.OrderByDescending(c => c.Role == ContactRoles.User).FirstOrDefaultAsync(c => c.EmailLookup == key, ct);
        }
        else
        {
            throw new ConfideException(ConfideError.ParameterMissing("intercom_user_id"));
        }

        return contact ?? throw new ConfideException(ConfideError.NotFound("User"));
    }
}
