using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Data;
using Confide.Data.Model;
using Confide.Messaging.Contacts;
using Confide.Messaging.Search;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Privacy.Erasure;

/// <summary>
/// What to erase in bulk: contact ids, or an Intercom contact search query (as for
/// <c>POST /contacts/search</c>), and whether this is only a dry run that counts.
/// </summary>
public sealed record ContactBulkErasureRequest(IReadOnlyList<string>? Ids, JsonElement? Query, bool DryRun);

/// <summary>
/// The answer: counts only. <c>requested</c> is the number of distinct ids given (or of contacts
/// the query matched); <c>matched</c> the workspace's contacts among them; <c>erased</c> those that
/// went through the erasure path; <c>skipped</c> those not erased (another workspace's, unknown,
/// erased meanwhile, or held); <c>skipped_legal_hold</c> those of the matched that a legal hold
/// protects (docs/legal-holds.md), which are never erased. A dry run erases nothing: <c>erased</c>
/// is 0, and <c>skipped</c> counts what the real run would skip.
/// </summary>
public sealed record ContactBulkErasureView(bool DryRun, string SelectedBy, int Requested, int Matched, int Erased, int Skipped, int SkippedLegalHold)
{
    /// <summary>How many the run erases (a dry run: would erase).</summary>
    public int Erasable => Matched - SkippedLegalHold;

    public string Type { get; } = "contact_bulk_deletion";
}

/// <summary>
/// Erases many contacts at once, each through the one erasure path (<see cref="ContactErasure"/>),
/// so each gets its own <c>contact_deletion</c> entry, completed erasure request and receipt;
/// then one <c>contacts_bulk_deletion</c> entry records the counts. At most <see cref="MaxContacts"/>
/// per call: a query that matches more is refused, to be narrowed. Contacts under a legal hold are
/// skipped and counted, in the dry run as in the real run; one held between the two is refused by
/// the erasure path itself and counted the same way.
/// </summary>
public sealed class ContactBulkErasure
{
    public const int MaxContacts = 1000;

    public const string ByIds = "ids";
    public const string ByQuery = "query";

    private readonly ContactErasure _erasure;
    private readonly ILookupIndex _lookup;
    private readonly EncryptedSearch _search;
    private readonly ActivityLog _log;
    private readonly TimeProvider _time;

    internal ContactBulkErasure(ContactErasure erasure, ILookupIndex lookup, EncryptedSearch search, ActivityLog log, TimeProvider time)
    {
        _erasure = erasure;
        _lookup = lookup;
        _search = search;
        _log = log;
        _time = time;
    }

    public async Task<ContactBulkErasureView> RunAsync(CellDatabase cell, string workspaceId, ContactBulkErasureRequest request, ActivityActor actor, CancellationToken ct)
    {
        var (selectedBy, requested, found) = await SelectAsync(cell, workspaceId, request, ct);
        var held = await HeldAsync(cell, workspaceId, found, ct);
        if (request.DryRun)
        {
            return new ContactBulkErasureView(true, selectedBy, requested, found.Count, 0, requested - (found.Count - held.Count), held.Count);
        }

        var erased = 0;
        var skippedHeld = held.Count;
        var finished = false;
        try
        {
            foreach (var contactId in found.Where(id => !held.Contains(id)))
            {
                try
                {
                    await _erasure.EraseAsync(cell, workspaceId, contactId, actor, ct);
                    erased++;
                }
                catch (ConfideException hold) when (hold.Error.Code == ConfideError.LegalHoldCode)
                {
                    // Held since the selection: the erasure path refused it, in its own transaction.
                    skippedHeld++;
                }
                catch (ConfideException notFound) when (notFound.Error.Status == HttpStatusCode.NotFound)
                {
                    // Erased meanwhile (by another request): skipped, like an unknown id.
                }
            }

            finished = true;
        }
        finally
        {
            // Recorded even when stopped half-way (a failure, the caller gone): what was erased stays erased.
            await _log.AppendAsync(cell, workspaceId, new ActivityEvent(
                ActivityTypes.ContactsBulkDeletion, actor, $"Contacts were erased in bulk: {erased} erased, {requested - erased} skipped ({skippedHeld} under a legal hold).", null,
                new JsonObject
                {
                    ["selected_by"] = selectedBy, ["requested"] = requested, ["matched"] = found.Count, ["erased"] = erased,
                    ["skipped"] = requested - erased, ["skipped_legal_hold"] = skippedHeld, ["finished"] = finished,
                }), CancellationToken.None);
        }

        return new ContactBulkErasureView(false, selectedBy, requested, found.Count, erased, requested - erased, skippedHeld);
    }

    /// <summary>Those of <paramref name="found"/> a legal hold protects: all of them while the workspace is held.</summary>
    private async Task<HashSet<string>> HeldAsync(CellDatabase cell, string workspaceId, List<string> found, CancellationToken ct)
    {
        if (found.Count == 0)
        {
            return new HashSet<string>(StringComparer.Ordinal);
        }

        var now = _time.GetUtcNow();
        await using var db = cell.CreateReadContext();
        if (await db.IsWorkspaceHeldAsync(workspaceId, now, ct))
        {
            return new HashSet<string>(found, StringComparer.Ordinal);
        }

        var held = db.HeldContactIds(workspaceId, now);
        return new HashSet<string>(await held.Where(id => found.Contains(id)).ToListAsync(ct), StringComparer.Ordinal);
    }

    /// <summary>The workspace's contacts the request names, in id order; validated before anything is erased.</summary>
    private async Task<(string SelectedBy, int Requested, List<string> Found)> SelectAsync(
        CellDatabase cell, string workspaceId, ContactBulkErasureRequest request, CancellationToken ct)
    {
        if (request.Ids is not null && request.Query is not null)
        {
            throw Invalid("Send either ids or query, not both");
        }

        if (request.Ids is { } given)
        {
            var ids = given.Select(id => id?.Trim() ?? "").Distinct(StringComparer.Ordinal).ToList();
            if (ids.Count == 0)
            {
                throw Invalid("ids must hold at least one contact id");
            }

            if (ids.Count > MaxContacts)
            {
                throw Invalid($"ids holds {ids.Count} contact ids; at most {MaxContacts} are erased at once: split them over several requests");
            }

            if (ids.Any(id => id.Length == 0))
            {
                throw Invalid("ids must be non-empty strings");
            }

            // An id that cannot be a contact's is simply not found (skipped), like another workspace's.
            var candidates = ids.Where(PublicIds.IsEntityId).ToList();
            await using var db = cell.CreateReadContext();
            var found = candidates.Count == 0
                ? []
                : await NotBeingErased(db, db.Contacts.InWorkspace(workspaceId).Where(c => candidates.Contains(c.Id))).Select(c => c.Id).OrderBy(id => id).ToListAsync(ct);
            return (ByIds, ids.Count, found);
        }

        if (request.Query is { } query)
        {
            var predicate = await new ContactSearchQuery(await _lookup.ForWorkspaceAsync(cell, workspaceId, ct), _search, cell, workspaceId).CompileAsync(query, ct);
            await using var db = cell.CreateReadContext();
            var matching = NotBeingErased(db, db.Contacts.InWorkspace(workspaceId).Where(predicate));
            var count = await matching.CountAsync(ct);
            if (count > MaxContacts)
            {
                throw Invalid($"The query matches {count} contacts; at most {MaxContacts} are erased at once: narrow the query");
            }

            var found = await matching.Select(c => c.Id).OrderBy(id => id).ToListAsync(ct);
            return (ByQuery, found.Count, found);
        }

        throw new ConfideException(ConfideError.ParameterMissing("ids or query"));
    }

    /// <summary>Contacts whose erasure has started (key destroyed, rows still being deleted) are not erased again: they count as not found.</summary>
    private static IQueryable<Contact> NotBeingErased(ConfideDbContext db, IQueryable<Contact> contacts) =>
        contacts.Where(c => !db.PendingContactErasures.Any(p => p.ContactId == c.Id));

    /// <summary>
    /// The API's body, checked by hand so every mistake is a 400 with a clear message:
    /// <c>{"ids": [...]}</c> or <c>{"query": {...}}</c>, and <c>"dry_run": true|false</c> (required:
    /// an erasure is never the default).
    /// </summary>
    public static ContactBulkErasureRequest Parse(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw Invalid("The body must be a JSON object");
        }

        if (!body.TryGetProperty("dry_run", out var dryRun) || dryRun.ValueKind == JsonValueKind.Null)
        {
            throw new ConfideException(ConfideError.ParameterMissing("dry_run"));
        }

        if (dryRun.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            throw Invalid("dry_run must be true or false");
        }

        List<string>? ids = null;
        if (body.TryGetProperty("ids", out var idsElement) && idsElement.ValueKind != JsonValueKind.Null)
        {
            if (idsElement.ValueKind != JsonValueKind.Array)
            {
                throw Invalid("ids must be an array of contact ids");
            }

            if (idsElement.GetArrayLength() > MaxContacts * 2)
            {
                throw Invalid($"ids holds too many contact ids; at most {MaxContacts} are erased at once: split them over several requests");
            }

            ids = [.. idsElement.EnumerateArray().Select(id => id.ValueKind == JsonValueKind.String && id.GetString()!.Length <= 64
                ? id.GetString()!
                : throw Invalid("ids must be an array of contact ids (strings)"))];
        }

        JsonElement? query = body.TryGetProperty("query", out var queryElement) && queryElement.ValueKind != JsonValueKind.Null ? queryElement.Clone() : null;
        return new ContactBulkErasureRequest(ids, query, dryRun.GetBoolean());
    }

    private static ConfideException Invalid(string message) => new(ConfideError.ParameterInvalid(message));
}
