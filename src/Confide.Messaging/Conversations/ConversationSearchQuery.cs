using System.Linq.Expressions;
using System.Text.Json;
using Confide.Data;
using Confide.Data.Model;
using Confide.Crypto;
using Confide.Messaging.Api;
using Confide.Messaging.DataAttributes;
using Confide.Messaging.Search;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Conversations;

/// <summary>
/// The fields of Intercom's conversation search (<see cref="SearchQuery"/>) that Confide has:
/// the conversation's own columns, its opening part's ids, the teammates who wrote in it, its
/// tags, and the statistics its parts record (first and last admin reply, contact reply, close
/// and assignment; counts); the opening message, the subject, the custom attributes and the
/// author's name and email, stored only encrypted, through the encrypted-field search index
/// (ADR 0015). What Confide does not record is refused as such.
/// </summary>
internal static class ConversationSearchQuery
{
    private const string NotRecorded = "is not recorded by Confide";
    private const string Admin = "admin";

    /// <summary>
    /// The predicate for <paramref name="query"/>; it reads <paramref name="db"/>'s parts and tags, so run it on the same context.
    /// Filters on the opening message, the subject and the author's name and email are answered by
    /// the encrypted-field search index first (<see cref="EncryptedSearch"/>).
    /// </summary>
    public static async Task<Expression<Func<Conversation, bool>>> CompileAsync(JsonElement query, ConfideDbContext db, EncryptedSearch search, LookupKeys lookup, CellDatabase cell, string workspaceId, CancellationToken ct)
    {
        // A workspace with conversation data attributes has only those: another name is a 400, as setting it would be.
        var attributes = await DataAttributeSchema.LoadAsync(cell, workspaceId, DataAttributeModels.Conversation, ct);
        IQueryable<ConversationPart> parts = db.ConversationParts;
        IQueryable<ConversationTag> tags = db.ConversationTags;
        IQueryable<ConversationParticipant> participants = db.ConversationParticipants;

        // Whether the conversation has a part of a kind whose time meets a condition (none: any such part).
        Func<Func<Expression, Expression>?, Expression<Func<Conversation, bool>>> Has(Expression<Func<ConversationPart, bool>> kind) => condition =>
        {
            var conversation = Expression.Parameter(typeof(Conversation), "c");
            var part = Expression.Parameter(typeof(ConversationPart), "p");
            Expression match = Expression.AndAlso(
                Expression.Equal(Expression.Property(part, nameof(ConversationPart.ConversationId)), Expression.Property(conversation, nameof(Conversation.Id))),
                new Rebinder(kind.Parameters[0], part).Visit(kind.Body));
            if (condition is not null)
            {
                match = Expression.AndAlso(match, condition(Expression.Property(part, nameof(ConversationPart.CreatedAt))));
            }

            Expression<Func<IQueryable<ConversationPart>>> source = () => parts;
            var any = Expression.Call(typeof(Queryable), nameof(Queryable.Any), [typeof(ConversationPart)], source.Body,
                Expression.Quote(Expression.Lambda<Func<ConversationPart, bool>>(match, part)));
            return Expression.Lambda<Func<Conversation, bool>>(any, conversation);
        };

        var adminReplies = Has(p => p.AuthorType == Admin && p.PartType == PartTypes.Comment);
        var contactReplies = Has(p => p.AuthorType != Admin && p.PartType == PartTypes.Comment);
        var closes = Has(p => p.PartType == PartTypes.Close);
        var assignments = Has(p => p.PartType == PartTypes.Assignment);
        var priority = new Dictionary<string, Expression<Func<Conversation, bool>>>(StringComparer.Ordinal)
        {
            [ConversationPriorities.Priority] = c => c.Priority,
            [ConversationPriorities.NotPriority] = c => !c.Priority,
        };

        var body = Opening(search, cell, workspaceId);
        var subject = Subject(search, cell, workspaceId);
        var authorEmail = ContactField(search, cell, workspaceId, SearchIndex.Email, (cipher, contact) => cipher.Email(contact));
        var authorName = ContactField(search, cell, workspaceId, SearchIndex.Name, (cipher, contact) => cipher.Name(contact));
        var customAttributes = search.Resolver<Conversation>(cell, workspaceId, lookup, f => CustomAttribute(search, cell, workspaceId, f), c => c.Id);
        return await SearchQuery.CompileAsync(query, new SearchFields<Conversation>()
            .Add("id", f => SearchFilters.Text<Conversation>(f, c => c.Id, numbers: true))
            .Add("created_at", f => SearchFilters.Time<Conversation, DateTimeOffset>(f, c => c.CreatedAt))
            .Add("updated_at", f => SearchFilters.Time<Conversation, DateTimeOffset>(f, c => c.UpdatedAt))
            .Add("state", f => SearchFilters.Text<Conversation>(f, c => c.State))
            .Add("open", f => SearchFilters.Flag<Conversation>(f, c => c.State == ConversationStates.Open))
            .Add("read", f => SearchFilters.Flag<Conversation>(f, c => c.Read))
            .Add("priority", f => SearchFilters.OneOf(f, priority))
            .Add("waiting_since", SearchFilters.NeverSet<Conversation>)
            .Add("snoozed_until", f => f.Value.ValueKind == JsonValueKind.Null
                ? SearchFilters.Flag<Conversation>(f with { Value = JsonSerializer.SerializeToElement(true) }, c => c.SnoozedUntil == null)
                : SearchFilters.Time<Conversation, DateTimeOffset?>(f, c => c.SnoozedUntil))
            .Add("admin_assignee_id", f => SearchFilters.Text<Conversation>(f, c => c.AdminAssigneeId, numbers: true))
            .Add("team_assignee_id", f => SearchFilters.Text<Conversation>(f, c => c.TeamAssigneeId, numbers: true))
            .Add("contact_ids", f => SearchFilters.AnyOf<Conversation>(f, (c, ids) => ids.Contains(c.ContactId)
                || participants.Any(p => p.ConversationId == c.Id && ids.Contains(p.ContactId))))
            .Add("teammate_ids", f => SearchFilters.AnyOf<Conversation>(f, (c, ids) =>
                parts.Any(p => p.ConversationId == c.Id && p.AuthorType == Admin && ids.Contains(p.AuthorId))))
            .Add("tag_ids", f => SearchFilters.AnyOf<Conversation>(f, (c, ids) => tags.Any(t => t.ConversationId == c.Id && ids.Contains(t.TagId))))
            .Add("source.type", f => SearchFilters.Fixed<Conversation>(f, SourceView.SourceType))
            .Add("source.delivered_as", f => SearchFilters.Fixed<Conversation>(f, SourceView.CustomerInitiated))
            .Add("source.id", f => SearchFilters.AnyOf<Conversation>(f, (c, ids) => parts.Any(p => p.ConversationId == c.Id && p.Sequence == 1 && ids.Contains(p.Id))))
            .Add("source.author.id", f => SearchFilters.AnyOf<Conversation>(f, (c, ids) => parts.Any(p => p.ConversationId == c.Id && p.Sequence == 1 && ids.Contains(p.AuthorId))))
            .Add("source.author.type", f => SearchFilters.AnyOf<Conversation>(f, (c, types) => parts.Any(p => p.ConversationId == c.Id && p.Sequence == 1 && types.Contains(p.AuthorType))))
            .Add("statistics.first_contact_reply_at", f => SearchFilters.Extreme(f, contactReplies, latest: false))
            .Add("statistics.last_contact_reply_at", f => SearchFilters.Extreme(f, contactReplies, latest: true))
            .Add("statistics.first_admin_reply_at", f => SearchFilters.Extreme(f, adminReplies, latest: false))
            .Add("statistics.last_admin_reply_at", f => SearchFilters.Extreme(f, adminReplies, latest: true))
            .Add("statistics.first_close_at", f => SearchFilters.Extreme(f, closes, latest: false))
            .Add("statistics.last_close_at", f => SearchFilters.Extreme(f, closes, latest: true))
            .Add("statistics.first_assignment_at", f => SearchFilters.Extreme(f, assignments, latest: false))
            .Add("statistics.last_assignment_at", f => SearchFilters.Extreme(f, assignments, latest: true))
            .Add("statistics.count_assignments", f => SearchFilters.Number<Conversation>(f, c => parts.Count(p => p.ConversationId == c.Id && p.PartType == PartTypes.Assignment)))
            // The parts after the opening message, as conversation_parts.total_count counts them.
            .Add("statistics.count_conversation_parts", f => SearchFilters.Number<Conversation>(f, c => parts.Count(p => p.ConversationId == c.Id) - 1))
            .AddResolved("source.body", search.Resolver<Conversation>(cell, workspaceId, lookup, _ => body, c => c.Id))
            .AddResolved("source.subject", search.Resolver<Conversation>(cell, workspaceId, lookup, _ => subject, c => c.Id, nulls: c => c.EncryptedTitle == null))
            .AddResolved("title", search.Resolver<Conversation>(cell, workspaceId, lookup, _ => subject, c => c.Id, nulls: c => c.EncryptedTitle == null))
            // The opening message's author is the conversation's contact: their own tokens answer these.
            .AddResolved("source.author.email", search.Resolver<Conversation>(cell, workspaceId, lookup, _ => authorEmail, c => c.ContactId))
            .AddResolved("source.author.name", search.Resolver<Conversation>(cell, workspaceId, lookup, _ => authorName, c => c.ContactId))
            .AddResolved(SearchIndex.CustomAttributePrefix, customAttributes with
            {
                Check = f =>
                {
                    if (attributes?.Defines(f.Field[SearchIndex.CustomAttributePrefix.Length..]) == false)
                    {
                        // Attribute names are the workspace's own configuration, so the message may name them.
                        throw SearchQuery.Invalid($"{SearchQuery.Truncate(f.Field)} is not a conversation data attribute of this workspace");
                    }

                    customAttributes.Check(f);
                },
            })
            .Refuse("statistics.", NotRecorded)
            .Refuse("conversation_rating.", NotRecorded)
            .Refuse("ai_agent.", NotRecorded)
            .Refuse("ai_agent_participated", NotRecorded)
            .Refuse("channel_initiated", NotRecorded)
            .Refuse("source.url", NotRecorded), ct);
    }

    /// <summary>The opening message's body: its first part, sealed under the conversation's contact's key.</summary>
    private static EncryptedSearch.EncryptedField Opening(EncryptedSearch search, CellDatabase cell, string workspaceId) =>
        new(SearchTokenKinds.Conversation, SearchIndex.Body, async (db, ids, ct) =>
        {
            var openings = await db.Conversations.Where(c => c.WorkspaceId == workspaceId && ids.Contains(c.Id))
                .Join(db.ConversationParts.Where(p => p.Sequence == 1), c => c.Id, p => p.ConversationId, (c, p) => new { c.ContactId, Part = p })
                .ToListAsync(ct);
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var opening in openings)
            {
                if (await search.CipherAsync(cell, workspaceId, opening.ContactId, ct) is { } cipher && cipher.Body(opening.Part) is { } text)
                {
                    values[opening.Part.ConversationId] = text;
                }
            }

            return values;
        });

    /// <summary><c>custom_attributes.&lt;name&gt;</c>, as a contact's: text, numbers and booleans by equality, text also by <c>~</c>, <c>^</c>, <c>$</c>.</summary>
    private static EncryptedSearch.EncryptedField CustomAttribute(EncryptedSearch search, CellDatabase cell, string workspaceId, SearchFilter filter)
    {
        var attribute = filter.Field[SearchIndex.CustomAttributePrefix.Length..];
        return new(SearchTokenKinds.ConversationAttributes, filter.Field, async (db, ids, ct) =>
        {
            var conversations = await db.Conversations.Where(c => c.WorkspaceId == workspaceId && ids.Contains(c.Id) && c.EncryptedCustomAttributes != null).ToListAsync(ct);
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var conversation in conversations)
            {
                if (await search.CipherAsync(cell, workspaceId, conversation.ContactId, ct) is { } cipher)
                {
                    using var json = JsonDocument.Parse(cipher.CustomAttributes(conversation));
                    if (json.RootElement.TryGetProperty(attribute, out var value) && SearchIndex.AttributeValue(value) is { } text)
                    {
                        values[conversation.Id] = text;
                    }
                }
            }

            return values;
        }, Scalars: true);
    }

    /// <summary>The subject (Confide's title of a conversation is its subject).</summary>
    private static EncryptedSearch.EncryptedField Subject(EncryptedSearch search, CellDatabase cell, string workspaceId) =>
        new(SearchTokenKinds.Conversation, SearchIndex.Subject, async (db, ids, ct) =>
        {
            var conversations = await db.Conversations.Where(c => c.WorkspaceId == workspaceId && ids.Contains(c.Id) && c.EncryptedTitle != null).ToListAsync(ct);
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var conversation in conversations)
            {
                if (await search.CipherAsync(cell, workspaceId, conversation.ContactId, ct) is { } cipher && cipher.Title(conversation) is { } text)
                {
                    values[conversation.Id] = text;
                }
            }

            return values;
        });

    /// <summary>A field of the conversation's contact, found through the contact's own tokens.</summary>
    private static EncryptedSearch.EncryptedField ContactField(EncryptedSearch search, CellDatabase cell, string workspaceId, string field, Func<ContactCipher, Contact, string?> value) =>
        new(SearchTokenKinds.Contact, field, async (db, ids, ct) =>
        {
            var contacts = await db.Contacts.Where(c => c.WorkspaceId == workspaceId && ids.Contains(c.Id)).ToListAsync(ct);
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var contact in contacts)
            {
                if (await search.CipherAsync(cell, workspaceId, contact.Id, ct) is { } cipher && value(cipher, contact) is { } text)
                {
                    values[contact.Id] = text;
                }
            }

            return values;
        });
}
