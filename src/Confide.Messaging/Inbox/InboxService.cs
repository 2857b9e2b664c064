using Confide.Audit;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Messaging.Api;
using Confide.Messaging.Conversations;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Inbox;

/// <summary>
/// What the teammate inbox reads and does, always within one workspace of the request's cell.
/// Writes go through the same commands as the REST API, so both behave identically.
/// </summary>
public sealed class InboxService
{
    private readonly CurrentCell _cell;
    private readonly ConversationCommands _commands;
    private readonly ContactKeyRing _keys;

    internal InboxService(CurrentCell cell, ConversationCommands commands, ContactKeyRing keys)
    {
        _cell = cell;
        _commands = commands;
        _keys = keys;
    }

    private const int SnippetLength = 140;

    /// <summary>Intercom's assignee id for "nobody".</summary>
    private const string Unassigned = "0";

    /// <summary>
    /// One page of the list, most recently updated first, by keyset: <paramref name="page"/> names
    /// the row to continue after (older) or before (newer), so a page stays right while
    /// conversations arrive and never costs an offset scan.
    /// </summary>
    /// <param name="scope">For a teammate who may read only some conversations (their own, their teams'): which.</param>
    /// <param name="teammateId">The signed-in teammate, whom <see cref="InboxFilter.Mine"/> means.</param>
    public async Task<InboxPage> ListAsync(
        string workspaceId, InboxFilter filter, InboxPageRequest page, CancellationToken ct, ConversationScope? scope = null, string? teammateId = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(page.Size, 1);
        await using var db = _cell.Database.CreateReadContext();
        var conversations = Filtered(db, workspaceId, filter, scope, teammateId);
        var (rows, more) = await ReadAsync(db, conversations, page, ct);
        var newer = page.Newer is not null;
        if (newer && !more)
        {
            // Back at the top: show a whole first page, not what is left above the cursor.
            (rows, more) = await ReadAsync(db, conversations, new InboxPageRequest(page.Size), ct);
            newer = false;
        }

        var teammates = await TeammateDirectory.LoadAsync(db, _keys, _cell.Database, workspaceId, rows.Select(r => r.Conversation.AdminAssigneeId), ct);
        var inbox = new List<InboxRow>(rows.Count);
        foreach (var row in rows)
        {
            if (await _keys.TryForContactAsync(_cell.Database, workspaceId, row.Contact.Id, ct) is not { } cipher)
            {
                continue; // an erased contact's rows, left by a crash or a restored backup
            }

            inbox.Add(new InboxRow(
                row.Conversation.Id, row.Conversation.State, Label(cipher.Name(row.Contact), cipher.Email(row.Contact)), Text.Snippet(row.Last is null ? null : cipher.Body(row.Last), SnippetLength), row.Conversation.UpdatedAt,
                row.Conversation.AdminAssigneeId is null ? null : teammates.Find(row.Conversation.AdminAssigneeId)?.Name,
                row.Conversation.SnoozedUntil));
        }

        // Cursors come from the rows read, erased ones included, so no row is skipped or repeated.
        InboxCursor? KeyOf(ListedRow? row) => row is null ? null : new InboxCursor(row.Conversation.UpdatedAt, row.Conversation.Id);
        var first = rows.Count > 0 ? rows[0] : null;
        var last = rows.Count > 0 ? rows[^1] : null;
        return newer
            ? new InboxPage(inbox, Newer: KeyOf(first), Older: KeyOf(last))
            : new InboxPage(inbox, Newer: page.Older is null ? null : KeyOf(first) ?? page.Older, Older: more ? KeyOf(last) : null);
    }

    /// <summary>
    /// How many conversations each filter shows, within what the teammate may read: one COUNT per
    /// filter, each answered from an index on (workspace, state[, assignee]).
    /// </summary>
    public async Task<IReadOnlyDictionary<InboxFilter, int>> CountAsync(string workspaceId, ConversationScope? scope, string teammateId, CancellationToken ct)
    {
        await using var db = _cell.Database.CreateReadContext();
        var counts = new Dictionary<InboxFilter, int>();
        foreach (var filter in Enum.GetValues<InboxFilter>())
        {
            counts[filter] = await Filtered(db, workspaceId, filter, scope, teammateId).CountAsync(ct);
        }

        return counts;
    }

    private static IQueryable<Conversation> Filtered(ConfideDbContext db, string workspaceId, InboxFilter filter, ConversationScope? scope, string? teammateId)
    {
        if (filter == InboxFilter.Mine && teammateId is null)
        {
            throw new ArgumentException("The 'mine' filter needs the signed-in teammate.", nameof(teammateId));
        }

        var conversations = db.Conversations.Where(c => c.WorkspaceId == workspaceId);
        if (scope is not null)
        {
            conversations = scope.Apply(conversations, db);
        }

        return filter switch
        {
            InboxFilter.Open => conversations.Where(c => c.State == ConversationStates.Open),
            InboxFilter.Mine => conversations.Where(c => c.State == ConversationStates.Open && c.AdminAssigneeId == teammateId),
            InboxFilter.Unassigned => conversations.Where(c => c.State == ConversationStates.Open && c.AdminAssigneeId == null),
            InboxFilter.Closed => conversations.Where(c => c.State == ConversationStates.Closed),
            InboxFilter.Snoozed => conversations.Where(c => c.State == ConversationStates.Snoozed),
            _ => conversations,
        };
    }

    private sealed record ListedRow(Conversation Conversation, Contact Contact, ConversationPart? Last);

    /// <summary>Up to one page of rows in list order, and whether more lie beyond it in the direction read.</summary>
    private static async Task<(List<ListedRow> Rows, bool More)> ReadAsync(ConfideDbContext db, IQueryable<Conversation> conversations, InboxPageRequest page, CancellationToken ct)
    {
        var joined = conversations.Join(db.Contacts, c => c.ContactId, contact => contact.Id, (c, contact) => new { Conversation = c, Contact = contact });
        if (page.Newer is { } newer)
        {
            var (time, id) = (newer.UpdatedAt, newer.ConversationId);
            joined = joined
                .Where(r => r.Conversation.UpdatedAt > time || (r.Conversation.UpdatedAt == time && string.Compare(r.Conversation.Id, id) > 0))
                .OrderBy(r => r.Conversation.UpdatedAt).ThenBy(r => r.Conversation.Id);
        }
        else
        {
            if (page.Older is { } older)
            {
                var (time, id) = (older.UpdatedAt, older.ConversationId);
                joined = joined.Where(r => r.Conversation.UpdatedAt < time || (r.Conversation.UpdatedAt == time && string.Compare(r.Conversation.Id, id) < 0));
            }

            joined = joined.OrderByDescending(r => r.Conversation.UpdatedAt).ThenByDescending(r => r.Conversation.Id);
        }

        var rows = await joined
            .Take(page.Size + 1)
            .Select(r => new ListedRow(
                r.Conversation,
                r.Contact,
                // The latest part with text: a close or an assignment after it does not blank the row.
                db.ConversationParts.Where(p => p.ConversationId == r.Conversation.Id && p.EncryptedBody != null).OrderByDescending(p => p.Sequence).FirstOrDefault()))
            .ToListAsync(ct);
        var more = rows.Count > page.Size;
        if (more)
        {
            rows.RemoveAt(rows.Count - 1);
        }

        if (page.Newer is not null)
        {
            rows.Reverse();
        }

        return (rows, more);
    }

    /// <summary>The conversation with every part, or null when it is not in this workspace (or not within <paramref name="scope"/>).</summary>
    public async Task<InboxThread?> GetAsync(string workspaceId, string conversationId, CancellationToken ct, ConversationScope? scope = null)
    {
        await using var db = _cell.Database.CreateReadContext();
        var conversation = await db.Conversations.FirstOrDefaultAsync(c => c.WorkspaceId == workspaceId && c.Id == conversationId, ct);
        if (conversation is null || (scope is not null && !await scope.AllowsAsync(db, conversation, ct)))
        {
            return null;
        }

        var contact = await db.Contacts.FirstAsync(c => c.Id == conversation.ContactId, ct);
        var parts = await db.ConversationParts.Where(p => p.ConversationId == conversation.Id).OrderBy(p => p.Sequence).ToListAsync(ct);
        var named = TeammateDirectory.AdminAuthorsOf(parts).Concat(parts.Select(p => p.AssignedToId)).Append(conversation.AdminAssigneeId);
        var teammates = await TeammateDirectory.LoadAsync(db, _keys, _cell.Database, workspaceId, named, ct);
        var cipher = await _keys.ForContactAsync(_cell.Database, workspaceId, contact.Id, ct);
        var email = cipher.Email(contact);
        var contactLabel = Label(cipher.Name(contact), email);
        return new InboxThread(
            conversation.Id,
            conversation.State,
            contactLabel,
            cipher.Name(contact),
            email,
            contact.Role,
            conversation.AdminAssigneeId,
            conversation.AdminAssigneeId is null ? null : teammates.Find(conversation.AdminAssigneeId)?.Name,
            [.. parts.Select(p => new InboxPart(
                p.Id,
                p.PartType,
                p.AuthorType,
                p.AuthorType == RetentionTombstones.AuthorType ? "Confide" : p.AuthorType == "admin" ? teammates.Find(p.AuthorId)?.Name ?? "Teammate" : contactLabel,
                p.PartType == PartTypes.RetentionTombstone ? null : cipher.Body(p),
                p.CreatedAt,
                p.AssignedToId is null ? null : teammates.Find(p.AssignedToId)?.Name,
                p.PartType == PartTypes.Assignment && p.AssignedToId is null) { Redacted = p.Redacted })],
            conversation.SnoozedUntil);
    }

    /// <param name="ip">The teammate's address, for the activity-log entry.</param>
    public Task ReplyAsync(string workspaceId, string teammateId, string? ip, string conversationId, string body, bool internalNote) =>
        _commands.ReplyAsync(_cell.Database, workspaceId, conversationId, new ReplyInput(
            internalNote ? PartTypes.Note : PartTypes.Comment, "admin", teammateId, null, null, null, body), Actor(teammateId, ip));

    public Task SetStateAsync(string workspaceId, string teammateId, string? ip, string conversationId, bool open) =>
        _commands.ManageAsync(_cell.Database, workspaceId, conversationId, new ManageInput(
            open ? PartTypes.Open : PartTypes.Close, "admin", teammateId, null, null), Actor(teammateId, ip));

    /// <summary>Snoozes the conversation until <paramref name="until"/> (in the future); it reopens by itself then.</summary>
    public Task SnoozeAsync(string workspaceId, string teammateId, string? ip, string conversationId, DateTimeOffset until) =>
        _commands.ManageAsync(_cell.Database, workspaceId, conversationId, new ManageInput(
            PartTypes.Snoozed, "admin", teammateId, null, null, until.ToUnixTimeSeconds()), Actor(teammateId, ip));

    /// <summary>Assigns the conversation to <paramref name="assigneeId"/>, a teammate of the workspace, or to nobody when null.</summary>
    public Task AssignAsync(string workspaceId, string teammateId, string? ip, string conversationId, string? assigneeId) =>
        _commands.ManageAsync(_cell.Database, workspaceId, conversationId, new ManageInput(
            PartTypes.Assignment, AssigneeTypes.Admin, teammateId, string.IsNullOrEmpty(assigneeId) ? Unassigned : assigneeId, null), Actor(teammateId, ip));

    private static ActivityActor Actor(string teammateId, string? ip) => ActivityActor.Teammate(teammateId, "web", ip);

    /// <summary>The workspace's teammates by name, for the assign control.</summary>
    public async Task<IReadOnlyList<InboxTeammate>> AssignableTeammatesAsync(string workspaceId, CancellationToken ct)
    {
        await using var db = _cell.Database.CreateReadContext();
        var rows = await db.Teammates.Where(t => t.WorkspaceId == workspaceId).ToListAsync(ct);
        var teammates = await TeammateDirectory.LoadAsync(rows, _keys, _cell.Database, workspaceId, ct);
        return [.. rows.Select(t => teammates.Find(t.Id)!).Select(t => new InboxTeammate(t.Id, t.Name)).OrderBy(t => t.Name, StringComparer.CurrentCultureIgnoreCase).ThenBy(t => t.Id, StringComparer.Ordinal)];
    }

    /// <summary>Whether the conversation is in the workspace and within <paramref name="scope"/>: live views signal nothing else.</summary>
    public async Task<bool> IsVisibleAsync(string workspaceId, string conversationId, ConversationScope? scope, CancellationToken ct)
    {
        await using var db = _cell.Database.CreateReadContext();
        var conversation = await db.Conversations.FirstOrDefaultAsync(c => c.WorkspaceId == workspaceId && c.Id == conversationId, ct);
        return conversation is not null && (scope is null || await scope.AllowsAsync(db, conversation, ct));
    }

    private static string Label(string? name, string? email) => name ?? email ?? "Anonymous visitor";
}
