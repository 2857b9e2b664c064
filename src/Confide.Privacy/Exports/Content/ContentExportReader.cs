using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Confide.Privacy.Exports.Content;

/// <summary>
/// Reads the outbound messages of a workspace received in a range, in batches ordered by message
/// id: a message is a conversation whose opening part (sequence 1) is a teammate's comment
/// (<c>POST /messages</c>; what the conversation API shows as <c>admin_initiated</c>). Each row is
/// opened under its contact's key; a contact erased meanwhile has no rows.
/// </summary>
internal sealed class ContentExportReader(ContactKeyRing contactKeys)
{
    private static readonly string[] ContactAuthors = [ContactRoles.User, ContactRoles.Lead];

    /// <summary>The next batch after <paramref name="afterMessage"/>, and the last message id read (null when none was left), even when its row was left out.</summary>
    public async Task<(IReadOnlyList<ContentExportRow> Rows, string? LastMessage)> BatchAsync(CellDatabase cell, string workspaceId, ContentExportRange range, string? afterMessage, int limit, CancellationToken ct)
    {
        await using var db = cell.CreateReadContext();
        var from = DateTimeOffset.FromUnixTimeSeconds(range.After);
        var to = DateTimeOffset.FromUnixTimeSeconds(range.Before);
        var openings = db.ConversationParts.AsNoTracking().Where(p => p.WorkspaceId == workspaceId && p.Sequence == 1
            && p.AuthorType == "admin" && p.PartType == PartTypes.Comment && p.CreatedAt >= from && p.CreatedAt <= to);
        if (afterMessage is not null)
        {
            openings = openings.Where(p => string.Compare(p.Id, afterMessage) > 0);
        }

        var batch = await openings
            .Join(db.Conversations.Where(c => c.WorkspaceId == workspaceId), p => p.ConversationId, c => c.Id, (p, c) => new { Part = p, Conversation = c })
            .Join(db.Contacts.Where(c => c.WorkspaceId == workspaceId), m => m.Conversation.ContactId, c => c.Id, (m, contact) => new { m.Part, m.Conversation, Contact = contact })
            .OrderBy(m => m.Part.Id).Take(limit).ToListAsync(ct);
        if (batch.Count == 0)
        {
            return ([], null);
        }

        var conversationIds = batch.Select(m => m.Conversation.Id).ToList();
        var firstReplies = await db.ConversationParts.AsNoTracking()
            .Where(p => p.WorkspaceId == workspaceId && conversationIds.Contains(p.ConversationId) && p.PartType == PartTypes.Comment && ContactAuthors.Contains(p.AuthorType))
            .GroupBy(p => p.ConversationId)
            .Select(g => new { ConversationId = g.Key, First = g.Min(p => p.CreatedAt) })
            .ToDictionaryAsync(r => r.ConversationId, r => r.First, ct);

        var ciphers = new Dictionary<string, ContactCipher?>(StringComparer.Ordinal);
        var rows = new List<ContentExportRow>(batch.Count);
        foreach (var m in batch)
        {
            if (!ciphers.TryGetValue(m.Contact.Id, out var cipher))
            {
                ciphers[m.Contact.Id] = cipher = await contactKeys.TryForContactAsync(cell, workspaceId, m.Contact.Id, ct);
            }

            if (cipher is null)
            {
                continue;
            }

            rows.Add(new ContentExportRow(
                m.Contact.Id, cipher.ExternalId(m.Contact), cipher.Email(m.Contact), cipher.Name(m.Contact), m.Part.Id, cipher.Title(m.Conversation),
                m.Conversation.Id, m.Part.CreatedAt, firstReplies.TryGetValue(m.Conversation.Id, out var first) ? first : null));
        }

        return (rows, batch[^1].Part.Id);
    }

    /// <summary>Which of <paramref name="contactIds"/> still exist (an erased contact is hidden at once, before its rows are purged).</summary>
    public static async Task<HashSet<string>> ExistingAsync(CellDatabase cell, string workspaceId, IReadOnlyCollection<string> contactIds, CancellationToken ct)
    {
        var existing = new HashSet<string>(StringComparer.Ordinal);
        await using var db = cell.CreateReadContext();
        foreach (var chunk in contactIds.Chunk(500))
        {
            existing.UnionWith(await db.Contacts.Where(c => c.WorkspaceId == workspaceId && chunk.Contains(c.Id)).Select(c => c.Id).ToListAsync(ct));
        }

        return existing;
    }
}

/// <summary>The export's range: messages received from <see cref="After"/> to <see cref="Before"/>, both included (Unix seconds, as Intercom's).</summary>
internal sealed record ContentExportRange(long After, long Before);
