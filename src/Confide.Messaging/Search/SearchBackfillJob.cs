using System.Text.Json;
using System.Text.Json.Serialization;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Jobs;
using Confide.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Search;

/// <summary>
/// Gives the search index (ADR 0015) the records written before it existed: every contact, then
/// every conversation (its subject and opening message, and apart from them its custom
/// attributes), in id order, a page per step; values that already have tokens (written with
/// them, or by an earlier step) are left alone. Enqueued at start-up when some record lacks
/// its tokens (its deduplication key keeps one per cell); after a crash it resumes from its
/// checkpoint. Each write re-checks, inside the writer, that the record
/// still has no tokens and was not changed since it was read, so it never overwrites newer tokens.
/// </summary>
internal sealed class SearchBackfillJob(ILookupIndex lookup, ContactKeyRing contactKeys) : IJobHandler
{
    public const string JobKind = "search.backfill";

    private const int PageSize = 200;
    private const string Contacts = "contacts";
    private const string Conversations = "conversations";

    public string Kind => JobKind;

    /// <summary>v2: conversations' custom attributes became searchable, so a cell that ran v1 runs it once more.</summary>
    public static JobRequest Request() => new(JobKind, DeduplicationKey: "search-tokens-v2");

    /// <summary>
    /// Enqueues the backfill in a cell (at start-up) when a record lacks its tokens: a contact with
    /// a name, an email or custom attributes and no token at all (every indexed contact has the
    /// marker token), a conversation without tokens of its subject and opening message (the message
    /// always gives some), or one with custom attributes and no token of them (not even their marker).
    /// Once every record is indexed this is one read.
    /// </summary>
    public static async Task EnqueueIfNeededAsync(JobQueue jobs, CellDatabase cell, CancellationToken ct)
    {
        bool needed;
        await using (var db = cell.CreateReadContext())
        {
            needed = await db.Contacts.AnyAsync(c => (c.EncryptedName != null || c.EncryptedEmail != null || c.EncryptedCustomAttributes != null)
                    && !db.SearchTokens.Any(t => t.WorkspaceId == c.WorkspaceId && t.ContactId == c.Id && t.OwnerId == c.Id), ct)
                || await db.Conversations.AnyAsync(c => !db.SearchTokens.Any(t => t.WorkspaceId == c.WorkspaceId && t.ContactId == c.ContactId && t.OwnerId == c.Id
                    && t.Kind == SearchTokenKinds.Conversation), ct)
                || await db.Conversations.AnyAsync(c => c.EncryptedCustomAttributes != null && !db.SearchTokens.Any(t => t.WorkspaceId == c.WorkspaceId
                    && t.ContactId == c.ContactId && t.OwnerId == c.Id && t.Kind == SearchTokenKinds.ConversationAttributes), ct);
        }

        if (needed)
        {
            await jobs.EnqueueAsync(cell, Request(), ct);
        }
    }

    public TimeSpan PauseAfterStep(TimeSpan stepTook) => stepTook;

    public async Task<JobStepResult> RunStepAsync(JobContext context, CancellationToken cancellationToken)
    {
        var checkpoint = context.Checkpoint is null ? new BackfillCheckpoint(Contacts, "") : JsonSerializer.Deserialize<BackfillCheckpoint>(context.Checkpoint)!;
        return checkpoint.Phase == Contacts
            ? await ContactsAsync(context, checkpoint.After, cancellationToken)
            : await ConversationsAsync(context, checkpoint.After, cancellationToken);
    }

    private async Task<JobStepResult> ContactsAsync(JobContext context, string after, CancellationToken ct)
    {
        var cell = context.Cell;
        List<Contact> page;
        List<string> indexed;
        await using (var db = cell.CreateReadContext())
        {
            page = await db.Contacts.Where(c => c.Id.CompareTo(after) > 0).OrderBy(c => c.Id).Take(PageSize).ToListAsync(ct);
            indexed = await IndexedAsync(db, SearchTokenKinds.Contact, [.. page.Select(c => (c.WorkspaceId, c.Id, c.Id))], ct);
        }

        if (page.Count == 0)
        {
            return JobStepResult.More(Serialize(new BackfillCheckpoint(Conversations, "")), context.ProgressDone);
        }

        var rows = new List<(Contact Contact, List<SearchToken> Tokens)>();
        foreach (var contact in page.Where(c => !indexed.Contains(c.Id) && (c.EncryptedName ?? c.EncryptedEmail ?? c.EncryptedCustomAttributes) is not null))
        {
            if (await contactKeys.TryForContactAsync(cell, contact.WorkspaceId, contact.Id, ct) is { } cipher)
            {
                rows.Add((contact, SearchIndex.ForContact(await lookup.ForWorkspaceAsync(cell, contact.WorkspaceId, ct), cipher, contact)));
            }
        }

        Func<ConfideDbContext, CancellationToken, Task>? write = null;
        if (rows.Count > 0)
        {
            write = async (db, token) =>
            {
                var ids = rows.Select(r => r.Contact.Id).ToList();
                var current = await db.Contacts.Where(c => ids.Contains(c.Id)).Select(c => new { c.Id, c.UpdatedAt }).ToDictionaryAsync(c => c.Id, c => c.UpdatedAt, token);
                var done = await IndexedAsync(db, SearchTokenKinds.Contact, [.. rows.Select(r => (r.Contact.WorkspaceId, r.Contact.Id, r.Contact.Id))], token);
                foreach (var (contact, tokens) in rows)
                {
                    if (current.TryGetValue(contact.Id, out var updatedAt) && updatedAt == contact.UpdatedAt && !done.Contains(contact.Id))
                    {
                        db.SearchTokens.AddRange(tokens);
                    }
                }
            };
        }

        return JobStepResult.More(Serialize(new BackfillCheckpoint(Contacts, page[^1].Id)), context.ProgressDone + page.Count, write: write);
    }

    private async Task<JobStepResult> ConversationsAsync(JobContext context, string after, CancellationToken ct)
    {
        var cell = context.Cell;
        List<Conversation> page;
        Dictionary<string, ConversationPart> openings;
        List<string> indexed;
        List<string> attributesIndexed;
        await using (var db = cell.CreateReadContext())
        {
            page = await db.Conversations.Where(c => c.Id.CompareTo(after) > 0).OrderBy(c => c.Id).Take(PageSize).ToListAsync(ct);
            var ids = page.Select(c => c.Id).ToList();
            openings = await db.ConversationParts.Where(p => ids.Contains(p.ConversationId) && p.Sequence == 1).ToDictionaryAsync(p => p.ConversationId, ct);
            var owners = page.Select(c => (c.WorkspaceId, c.ContactId, c.Id)).ToList();
            indexed = await IndexedAsync(db, SearchTokenKinds.Conversation, owners, ct);
            attributesIndexed = await IndexedAsync(db, SearchTokenKinds.ConversationAttributes, owners, ct);
        }

        if (page.Count == 0)
        {
            return JobStepResult.Completed(context.ProgressDone);
        }

        var tokens = new List<SearchToken>();
        var attributeTokens = new List<(Conversation Conversation, List<SearchToken> Tokens)>();
        foreach (var conversation in page.Where(c => !indexed.Contains(c.Id) || (c.EncryptedCustomAttributes is not null && !attributesIndexed.Contains(c.Id))))
        {
            if (await contactKeys.TryForContactAsync(cell, conversation.WorkspaceId, conversation.ContactId, ct) is { } cipher)
            {
                var keys = await lookup.ForWorkspaceAsync(cell, conversation.WorkspaceId, ct);
                if (!indexed.Contains(conversation.Id))
                {
                    var body = openings.TryGetValue(conversation.Id, out var opening) ? cipher.Body(opening) : null;
                    tokens.AddRange(SearchIndex.Rows(SearchIndex.ConversationTokens(keys, cipher.Title(conversation), body), conversation));
                }

                if (conversation.EncryptedCustomAttributes is not null && !attributesIndexed.Contains(conversation.Id))
                {
                    attributeTokens.Add((conversation, SearchIndex.ForConversationAttributes(keys, conversation, cipher.CustomAttributes(conversation))));
                }
            }
        }

        Func<ConfideDbContext, CancellationToken, Task>? write = null;
        if (tokens.Count > 0 || attributeTokens.Count > 0)
        {
            write = async (db, token) =>
            {
                var ids = page.Select(c => c.Id).ToList();
                var current = await db.Conversations.Where(c => ids.Contains(c.Id)).Select(c => new { c.Id, c.UpdatedAt }).ToDictionaryAsync(c => c.Id, c => c.UpdatedAt, token);

                // The subject and the opening message never change: only a conversation indexed meanwhile (or gone) is skipped.
                var owners = tokens.Select(t => (t.WorkspaceId, t.ContactId, t.OwnerId)).Distinct().ToList();
                var done = await IndexedAsync(db, SearchTokenKinds.Conversation, owners, token);
                db.SearchTokens.AddRange(tokens.Where(t => current.ContainsKey(t.OwnerId) && !done.Contains(t.OwnerId)));

                // Custom attributes do change: a conversation written since it was read (its attributes re-indexed by that write) is skipped too.
                var attributesDone = await IndexedAsync(db, SearchTokenKinds.ConversationAttributes,
                    [.. attributeTokens.Select(a => (a.Conversation.WorkspaceId, a.Conversation.ContactId, a.Conversation.Id))], token);
                foreach (var (conversation, rows) in attributeTokens)
                {
                    if (current.TryGetValue(conversation.Id, out var updatedAt) && updatedAt == conversation.UpdatedAt && !attributesDone.Contains(conversation.Id))
                    {
                        db.SearchTokens.AddRange(rows);
                    }
                }
            };
        }

        return JobStepResult.More(Serialize(new BackfillCheckpoint(Conversations, page[^1].Id)), context.ProgressDone + page.Count, write: write);
    }

    /// <summary>Which of these owners already have a token of the kind (along the erasure index: workspace, contact, owner).</summary>
    private static async Task<List<string>> IndexedAsync(ConfideDbContext db, string kind, List<(string WorkspaceId, string ContactId, string OwnerId)> owners, CancellationToken ct)
    {
        if (owners.Count == 0)
        {
            return [];
        }

        var workspaces = owners.Select(o => o.WorkspaceId).Distinct().ToList();
        var contacts = owners.Select(o => o.ContactId).Distinct().ToList();
        var ids = owners.Select(o => o.OwnerId).Distinct().ToList();
        return await db.SearchTokens.Where(t => workspaces.Contains(t.WorkspaceId) && contacts.Contains(t.ContactId) && ids.Contains(t.OwnerId) && t.Kind == kind)
            .Select(t => t.OwnerId).Distinct().ToListAsync(ct);
    }

    private static string Serialize(BackfillCheckpoint checkpoint) => JsonSerializer.Serialize(checkpoint);
}

/// <param name="Phase"><c>contacts</c>, then <c>conversations</c>.</param>
/// <param name="After">The last id done in the phase (ids only).</param>
internal sealed record BackfillCheckpoint(
    [property: JsonPropertyName("phase")] string Phase,
    [property: JsonPropertyName("after")] string After);
