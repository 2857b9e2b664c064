using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Messaging.Api;
using Confide.Messaging.Conversations;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Messenger;

/// <summary>
/// The conversations of one messenger contact. Every query is filtered by that contact's id;
/// a conversation of anyone else is "not found", exactly like one that does not exist.
/// Customers see comments and state changes, never internal notes, assignments or snoozes (a
/// snoozed conversation is open to them).
/// </summary>
internal sealed class MessengerConversations(ContactKeyRing keys, ConversationCommands commands, Live.ConversationSignals signals, TimeProvider time)
{
    public const int MaxRemarkLength = 1000;

    private const int SnippetLength = 120;
    private const int ListLimit = 50;

    public async Task<MessengerConversationList> ListAsync(CellDatabase cell, Contact contact, CancellationToken ct)
    {
        await using var db = cell.CreateReadContext();
        // One query: each conversation with its latest comment and its count of unseen teammate replies.
        var rows = await db.Conversations
            .Where(c => c.WorkspaceId == contact.WorkspaceId && c.ContactId == contact.Id)
            .OrderByDescending(c => c.UpdatedAt).ThenByDescending(c => c.Id)
            .Take(ListLimit)
            .Select(c => new
            {
                Conversation = c,
                Last = db.ConversationParts
                    .Where(p => p.ConversationId == c.Id && p.PartType == PartTypes.Comment)
                    .OrderByDescending(p => p.Sequence)
                    .FirstOrDefault(),
                Unread = db.ConversationParts.Count(p =>
                    p.ConversationId == c.Id && p.PartType == PartTypes.Comment && p.AuthorType == "admin" && p.Sequence > c.ContactReadPartCount),
            })
            .ToListAsync(ct);
        var cipher = await keys.ForContactAsync(cell, contact.WorkspaceId, contact.Id, ct);
        var summaries = rows.Select(row => new MessengerConversationSummary(
            row.Conversation.Id,
            StateShown(row.Conversation),
            row.Last is null ? null : Text.Snippet(cipher.Body(row.Last), SnippetLength),
            row.Last is null ? "user" : Author(row.Last),
            Unix.Seconds(row.Conversation.UpdatedAt),
            row.Unread)).ToList();
        return new MessengerConversationList(summaries, summaries.Sum(s => s.Unread));
    }

    public async Task<MessengerThread> GetAsync(CellDatabase cell, Contact contact, string conversationId, CancellationToken ct)
    {
        await using var db = cell.CreateReadContext();
        var conversation = await OwnAsync(db, contact, conversationId, ct);
        var parts = await db.ConversationParts
            .Where(p => p.ConversationId == conversation.Id && p.PartType != PartTypes.Note && p.PartType != PartTypes.Assignment
                && p.PartType != PartTypes.Snoozed && p.PartType != PartTypes.TimerUnsnooze)
            .OrderBy(p => p.Sequence)
            .ToListAsync(ct);
        var cipher = await keys.ForContactAsync(cell, contact.WorkspaceId, contact.Id, ct);
        var teammates = await TeammateDirectory.LoadAsync(db, keys, cell, contact.WorkspaceId, TeammateDirectory.AdminAuthorsOf(parts), ct);
        var messages = parts.Select(p => new MessengerMessage(
            p.Id,
            p.PartType == PartTypes.Comment ? Author(p) : p.PartType,
            p.PartType == PartTypes.RetentionTombstone ? "Confide"
                : p.AuthorType == "admin" ? teammates.Find(p.AuthorId)?.CustomerName ?? Identity.TeammateDisplayNames.CustomerFallback : "You",
            p.PartType == PartTypes.Comment ? cipher.Body(p) : p.PartType == PartTypes.RetentionTombstone ? RetentionTombstones.Text : null,
            Unix.Seconds(p.CreatedAt)));
        return new MessengerThread(conversation.Id, StateShown(conversation), [.. messages], Unread(conversation, parts.Where(p => p.PartType == PartTypes.Comment)))
        {
            Rating = conversation is { Rating: { } rating, RatedAt: { } ratedAt } ? new MessengerRating(rating, cipher.RatingRemark(conversation), Unix.Seconds(ratedAt)) : null,
        };
    }

    /// <summary>
    /// The contact rates one of their own conversations (Intercom's <c>conversation_rating</c>):
    /// 1 to 5 and an optional remark, sealed under their key. Rating again replaces the rating.
    /// The teammate rated is the admin assignee, or else the last teammate who replied.
    /// An end user's own action in the messenger: not an activity-log entry (the log is the workspace's).
    /// </summary>
    public async Task RateAsync(CellDatabase cell, Contact contact, string conversationId, MessengerRatingInput input, CancellationToken ct)
    {
        if (input.Rating is not { } rating)
        {
            throw new ConfideException(ConfideError.ParameterMissing("rating"));
        }

        if (rating is < 1 or > 5)
        {
            throw new ConfideException(ConfideError.ParameterInvalid("rating must be a whole number from 1 to 5"));
        }

        var remark = Text.Optional(input.Remark, "remark", MaxRemarkLength);
        await cell.Writer.WriteAsync(async (db, token) =>
        {
            var conversation = await db.Conversations.AsTracking()
                .FirstOrDefaultAsync(c => c.WorkspaceId == contact.WorkspaceId && c.ContactId == contact.Id && c.Id == conversationId, token)
                ?? throw new ConfideException(ConfideError.NotFound("Conversation"));
            var cipher = await keys.ForContactAsync(cell, contact.WorkspaceId, contact.Id, token);
            var now = time.GetUtcNow();
            conversation.Rating = rating;
            conversation.RatedAt = now;
            conversation.RatingTeammateId = conversation.AdminAssigneeId
                ?? await db.ConversationParts.Where(p => p.ConversationId == conversation.Id && p.AuthorType == "admin" && p.PartType == PartTypes.Comment)
                    .OrderByDescending(p => p.Sequence).Select(p => p.AuthorId).FirstOrDefaultAsync(token);
            cipher.SetRatingRemark(conversation, remark);
            conversation.UpdatedAt = now;
        }, ct);
        signals.Publish(new Live.ConversationChanged(contact.WorkspaceId, conversationId, contact.Id));
    }

    /// <summary>A snoozed conversation is open to the contact: the snooze is the team's own business.</summary>
    private static string StateShown(Conversation conversation) =>
        conversation.State == ConversationStates.Snoozed ? ConversationStates.Open : conversation.State;

    public async Task<string> StartAsync(CellDatabase cell, Contact contact, MessengerMessageInput input)
    {
        var (conversation, _, _, _) = await commands.CreateAsync(cell, contact.WorkspaceId, new CreateConversationInput(new ContactReference("contact", contact.Id), input.Body, null));
        await MarkReadAsync(cell, contact, conversation.Id, CancellationToken.None);
        return conversation.Id;
    }

    public async Task ReplyAsync(CellDatabase cell, Contact contact, string conversationId, MessengerMessageInput input, CancellationToken ct)
    {
        await using (var db = cell.CreateReadContext())
        {
            await OwnAsync(db, contact, conversationId, ct);
        }

        await commands.ReplyAsync(cell, contact.WorkspaceId, conversationId, new ReplyInput(PartTypes.Comment, contact.Role, null, contact.Id, null, null, input.Body), actor: null);
        await MarkReadAsync(cell, contact, conversationId, ct);
    }

    /// <summary>The contact has seen every part so far: the unread badge clears.</summary>
    public static async Task MarkReadAsync(CellDatabase cell, Contact contact, string conversationId, CancellationToken ct) =>
        await cell.Writer.WriteAsync(async (db, token) =>
        {
            var conversation = await db.Conversations.AsTracking()
                .FirstOrDefaultAsync(c => c.WorkspaceId == contact.WorkspaceId && c.ContactId == contact.Id && c.Id == conversationId, token)
                ?? throw new ConfideException(ConfideError.NotFound("Conversation"));
            conversation.ContactReadPartCount = conversation.PartCount;
        }, ct);

    private static async Task<Conversation> OwnAsync(ConfideDbContext db, Contact contact, string conversationId, CancellationToken ct) =>
        await db.Conversations.FirstOrDefaultAsync(c => c.WorkspaceId == contact.WorkspaceId && c.ContactId == contact.Id && c.Id == conversationId, ct)
        ?? throw new ConfideException(ConfideError.NotFound("Conversation"));

    /// <summary>Who wrote a comment, as the messenger tells it: a teammate ("admin") or the contact ("user").</summary>
    private static string Author(ConversationPart comment) => comment.AuthorType == "admin" ? "admin" : "user";

    /// <summary>Teammate replies the contact has not seen.</summary>
    private static int Unread(Conversation conversation, IEnumerable<ConversationPart> comments) =>
        comments.Count(p => p.AuthorType == "admin" && p.Sequence > conversation.ContactReadPartCount);
}
