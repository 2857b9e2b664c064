using System.Net;
using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Data;
using Confide.Data.Model;
using Confide.Messaging.Api;
using Confide.Messaging.Live;
using Confide.Messaging.Tags;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Conversations;

/// <summary>
/// Tags on a conversation (<c>POST /conversations/{id}/tags</c>, <c>DELETE /conversations/{id}/tags/{tag_id}</c>).
/// Applying a tag twice keeps the first application; removing one that is not applied changes
/// nothing. Each change is an activity-log entry (ids only) in the same transaction.
/// </summary>
internal sealed class ConversationTagCommands(ConversationSignals signals, ActivityLog log, TimeProvider time)
{
    public async Task<AppliedTagView> TagAsync(CellDatabase cell, string workspaceId, string conversationId, ConversationTagInput input, ActivityActor actor)
    {
        var tagId = Text.Required(input.Id, "id", 64);
        var adminId = Text.Required(input.AdminId, "admin_id", 64);
        var (view, contactId) = await cell.Writer.WriteAsync(async (db, ct) =>
        {
            var (conversation, tag) = await FindAsync(db, workspaceId, conversationId, tagId, ct);
            if (!await db.Teammates.AnyAsync(t => t.WorkspaceId == workspaceId && t.Id == adminId, ct))
            {
                throw new ConfideException(ConfideError.NotFound("Admin"));
            }

            var applied = await db.ConversationTags.AsNoTracking().FirstOrDefaultAsync(l => l.ConversationId == conversation.Id && l.TagId == tag.Id, ct);
            if (applied is null)
            {
                applied = new ConversationTag { WorkspaceId = workspaceId, ConversationId = conversation.Id, TagId = tag.Id, AppliedById = adminId, CreatedAt = time.GetUtcNow() };
                db.ConversationTags.Add(applied);
                await RecordAsync(db, cell, actor, ActivityTypes.ConversationTagCreation, "A tag was applied to a conversation.", conversation, tag.Id, adminId, ct);
            }

            return (new AppliedTagView(tag.Id, tag.Name, Unix.Seconds(applied.CreatedAt), new AdminRefView(applied.AppliedById)), conversation.ContactId);
        });
        signals.Publish(new ConversationChanged(workspaceId, conversationId, contactId));
        return view;
    }

    /// <param name="adminId">Who removes it (Intercom's <c>admin_id</c>); when absent, the caller's teammate is recorded only as the log's actor.</param>
    public async Task<AppliedTagView> UntagAsync(CellDatabase cell, string workspaceId, string conversationId, string tagId, string? adminId, ActivityActor actor)
    {
        var (view, contactId) = await cell.Writer.WriteAsync(async (db, ct) =>
        {
            var (conversation, tag) = await FindAsync(db, workspaceId, conversationId, tagId, ct, new ConfideError(HttpStatusCode.NotFound, "tag_not_found", "Tag not found"));
            if (adminId is not null && !await db.Teammates.AnyAsync(t => t.WorkspaceId == workspaceId && t.Id == adminId, ct))
            {
                throw new ConfideException(ConfideError.NotFound("Admin"));
            }

            var applied = await db.ConversationTags.AsNoTracking().FirstOrDefaultAsync(l => l.ConversationId == conversation.Id && l.TagId == tag.Id, ct);
            if (applied is not null)
            {
                await db.ConversationTags.Where(l => l.ConversationId == conversation.Id && l.TagId == tag.Id).ExecuteDeleteAsync(ct);
                await RecordAsync(db, cell, actor, ActivityTypes.ConversationTagDeletion, "A tag was removed from a conversation.", conversation, tag.Id, adminId, ct);
            }

            return (new AppliedTagView(tag.Id, tag.Name, Unix.Seconds(applied?.CreatedAt), applied is null ? null : new AdminRefView(applied.AppliedById)), conversation.ContactId);
        });
        signals.Publish(new ConversationChanged(workspaceId, conversationId, contactId));
        return view;
    }

    private static async Task<(Conversation Conversation, Tag Tag)> FindAsync(ConfideDbContext db, string workspaceId, string conversationId, string tagId, CancellationToken ct, ConfideError? tagNotFound = null)
    {
        var conversation = await db.Conversations.AsNoTracking().FirstOrDefaultAsync(c => c.WorkspaceId == workspaceId && c.Id == conversationId, ct)
            ?? throw new ConfideException(ConfideError.NotFound("Conversation"));
        var tag = await db.Tags.AsNoTracking().FirstOrDefaultAsync(t => t.WorkspaceId == workspaceId && t.Id == tagId, ct)
            ?? throw new ConfideException(tagNotFound ?? ConfideError.NotFound("Tag"));
        return (conversation, tag);
    }

    /// <summary>The change as an activity-log entry: the conversation, its contact, the tag and the teammate named, never the tag's name.</summary>
    private async Task RecordAsync(ConfideDbContext db, CellDatabase cell, ActivityActor actor, string type, string description, Conversation conversation, string tagId, string? adminId, CancellationToken ct) =>
        await log.AppendAsync(db, cell, conversation.WorkspaceId, new ActivityEvent(
            type, actor, description, new ActivityTarget("conversation", conversation.Id),
            new JsonObject { ["contact_id"] = conversation.ContactId, ["tag_id"] = tagId, ["admin_id"] = adminId }), ct);
}
