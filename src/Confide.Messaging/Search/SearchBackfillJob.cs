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
/// every conversation, in id order, a page per step; a record that already has tokens (written
/// with it, or by an earlier step) is left alone. Enqueued at start-up when some record lacks
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

    public static JobRequest Request() => new(JobKind, DeduplicationKey: "search-tokens-v1");

    /// <summary>
    /// Enqueues the backfill in a cell (at start-up) when a record lacks its tokens: a contact with
    /// a name, an email or custom attributes and no token at all (every indexed contact has the
    /// marker token), or a conversation without tokens (its opening message always gives some).
    /// Once every record is indexed this is one read.
    /// </summary>
    public static async Task EnqueueIfNeededAsync(JobQueue jobs, CellDatabase cell, CancellationToken ct)
    {
        bool needed;
        await using (var db = cell.CreateReadContext())
        {
            needed = await db.Contacts.AnyAsync(c => (c.EncryptedName != null || c.EncryptedEmail != null || c.EncryptedCustomAttributes != null)
                    && !db.SearchTokens.Any(t => t.WorkspaceId == c.WorkspaceId && t.ContactId == c.Id && t.OwnerId == c.Id), ct)
                || await db.Conversations.AnyAsync(c => !db.SearchTokens.Any(t => t.WorkspaceId == c.WorkspaceId && t.ContactId == c.ContactId && t.OwnerId == c.Id), ct);
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
        HashSet<string> indexed;
        await using (var db = cell.CreateReadContext())
        {
            page = await db.Contacts.Where(c => c.Id.CompareTo(after) > 0).OrderBy(c => c.Id).Take(PageSize).ToListAsync(ct);
            var ids = page.Select(c => c.Id).ToList();
            indexed = [.. await db.SearchTokens.Where(t => ids.Contains(t.ContactId) && ids.Contains(t.OwnerId)).Select(t => t.OwnerId).Distinct().ToListAsync(ct)];
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

        return JobStepResult.More(Serialize(new BackfillCheckpoint(Contacts, page[^1].Id)), context.ProgressDone + page.Count, write: rows.Count == 0 ? null : async (db, token) =>
        {
            var ids = rows.Select(r => r.Contact.Id).ToList();
            var current = await db.Contacts.Where(c => ids.Contains(c.Id)).Select(c => new { c.Id, c.UpdatedAt }).ToDictionaryAsync(c => c.Id, c => c.UpdatedAt, token);
            var done = await db.SearchTokens.Where(t => ids.Contains(t.ContactId) && ids.Contains(t.OwnerId)).Select(t => t.OwnerId).Distinct().ToListAsync(token);
            foreach (var (contact, tokens) in rows)
            {
                if (current.TryGetValue(contact.Id, out var updatedAt) && updatedAt == contact.UpdatedAt && !done.Contains(contact.Id))
                {
                    db.SearchTokens.AddRange(tokens);
                }
            }
        });
    }

    private async Task<JobStepResult> ConversationsAsync(JobContext context, string after, CancellationToken ct)
    {
        var cell = context.Cell;
        var page = new List<(Conversation Conversation, ConversationPart? Opening, bool Indexed)>();
        await using (var db = cell.CreateReadContext())
        {
            var rows = await db.Conversations.Where(c => c.Id.CompareTo(after) > 0).OrderBy(c => c.Id).Take(PageSize)
                .Select(c => new
                {
                    Conversation = c,
                    Opening = db.ConversationParts.FirstOrDefault(p => p.ConversationId == c.Id && p.Sequence == 1),
                    Indexed = db.SearchTokens.Any(t => t.WorkspaceId == c.WorkspaceId && t.ContactId == c.ContactId && t.OwnerId == c.Id),
                })
                .ToListAsync(ct);
            page.AddRange(rows.Select(r => (r.Conversation, r.Opening, r.Indexed)));
        }

        if (page.Count == 0)
        {
            return JobStepResult.Completed(context.ProgressDone);
        }

        var tokens = new List<SearchToken>();
        foreach (var (conversation, opening, _) in page.Where(p => !p.Indexed))
        {
            if (await contactKeys.TryForContactAsync(cell, conversation.WorkspaceId, conversation.ContactId, ct) is { } cipher)
            {
                var keys = await lookup.ForWorkspaceAsync(cell, conversation.WorkspaceId, ct);
                tokens.AddRange(SearchIndex.Rows(SearchIndex.ConversationTokens(keys, cipher.Title(conversation), opening is null ? null : cipher.Body(opening)), conversation));
            }
        }

        return JobStepResult.More(Serialize(new BackfillCheckpoint(Conversations, page[^1].Conversation.Id)), context.ProgressDone + page.Count, write: tokens.Count == 0 ? null : async (db, token) =>
        {
            // The subject and the opening message never change: only a conversation indexed meanwhile (or gone) is skipped.
            var owners = tokens.Select(t => t.OwnerId).Distinct().ToList();
            var contacts = tokens.Select(t => t.ContactId).Distinct().ToList();
            var present = await db.Conversations.Where(c => owners.Contains(c.Id)).Select(c => c.Id).ToListAsync(token);
            var done = await db.SearchTokens.Where(t => contacts.Contains(t.ContactId) && owners.Contains(t.OwnerId)).Select(t => t.OwnerId).Distinct().ToListAsync(token);
            db.SearchTokens.AddRange(tokens.Where(t => present.Contains(t.OwnerId) && !done.Contains(t.OwnerId)));
        });
    }

    private static string Serialize(BackfillCheckpoint checkpoint) => JsonSerializer.Serialize(checkpoint);
}

/// <param name="Phase"><c>contacts</c>, then <c>conversations</c>.</param>
/// <param name="After">The last id done in the phase (ids only).</param>
internal sealed record BackfillCheckpoint(
    [property: JsonPropertyName("phase")] string Phase,
    [property: JsonPropertyName("after")] string After);
