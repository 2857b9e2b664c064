using System.Net;
using System.Text.Json;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Messaging.Api;
using Confide.Messaging.Contacts;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Confide.Messaging.DataEvents;

/// <summary>
/// Stores data events and event summaries. Everything is checked, the contact found and the
/// metadata sealed under the contact's key before the cell's writer runs; the write itself
/// only re-checks that the contact still exists and adds (or, for a summary, replaces) rows.
/// </summary>
internal sealed partial class DataEventCommands(ILookupIndex lookup, ContactKeyRing contactKeys, TimeProvider time, ILogger<DataEventCommands> logger)
{
    public const int MaxNameLength = 255;
    public const int MaxSummaries = 100;

    /// <summary>Stores the event, unless the contact already has one of that name at that second (Intercom's de-duplication).</summary>
    public async Task CreateAsync(CellDatabase cell, string workspaceId, DataEventInput input, CancellationToken cancellationToken)
    {
        var name = Text.Required(input.EventName, "event_name", MaxNameLength);
        var occurredAt = Unix.FromSeconds(input.CreatedAt, "created_at") ?? throw new ConfideException(ConfideError.ParameterMissing("created_at"));
        var metadata = DataEventMetadata.Normalise(input.Metadata);
        var contactId = await DataEventContacts.FindIdAsync(cell, lookup, workspaceId, input.Id ?? input.IntercomUserId, input.UserId, input.Email, cancellationToken);
        var cipher = await contactKeys.ForContactAsync(cell, workspaceId, contactId, cancellationToken);
        var id = PublicIds.NewEntityId(time);
        var row = new DataEvent
        {
            Id = id, WorkspaceId = workspaceId, ContactId = contactId, Name = name, OccurredAt = occurredAt,
            EncryptedMetadata = cipher.SealEventMetadata(id, metadata), CreatedAt = time.GetUtcNow(),
        };

        var stored = await cell.Writer.WriteAsync(async (db, ct) =>
        {
            await EnsureContactAsync(db, workspaceId, contactId, ct);
            var duplicate = await db.DataEvents.AnyAsync(
                e => e.WorkspaceId == workspaceId && e.ContactId == contactId && e.OccurredAt == occurredAt && e.Name == name && e.FirstOccurredAt == null, ct);
            if (duplicate)
            {
                return false;
            }

            db.DataEvents.Add(row);
            return true;
        }, cancellationToken);

        if (!stored)
        {
            LogDuplicateIgnored(logger, workspaceId);
        }
    }

    /// <summary>Stores each summary as the contact's one summary row of that name, replacing an earlier one.</summary>
    public async Task SummariesAsync(CellDatabase cell, string workspaceId, DataEventSummariesInput input, CancellationToken cancellationToken)
    {
        var summaries = ParseSummaries(input.EventSummaries);
        var contactId = await DataEventContacts.FindIdAsync(cell, lookup, workspaceId, input.Id ?? input.IntercomUserId, input.UserId, input.Email, cancellationToken);
        var now = time.GetUtcNow();
        var fresh = summaries.Select(s => (Summary: s, Id: PublicIds.NewEntityId(time))).ToList();
        await cell.Writer.WriteAsync(async (db, ct) =>
        {
            await EnsureContactAsync(db, workspaceId, contactId, ct);
            var names = summaries.Select(s => s.Name).ToList();
            var existing = await db.DataEvents.AsTracking()
                .Where(e => e.WorkspaceId == workspaceId && e.ContactId == contactId && e.FirstOccurredAt != null && names.Contains(e.Name))
                .ToListAsync(ct);
            foreach (var (summary, id) in fresh)
            {
                if (existing.FirstOrDefault(e => e.Name == summary.Name) is { } row)
                {
                    row.Count = summary.Count;
                    row.FirstOccurredAt = summary.First;
                    row.OccurredAt = summary.Last;
                }
                else
                {
                    db.DataEvents.Add(new DataEvent
                    {
                        Id = id, WorkspaceId = workspaceId, ContactId = contactId, Name = summary.Name,
                        Count = summary.Count, FirstOccurredAt = summary.First, OccurredAt = summary.Last, CreatedAt = now,
                    });
                }
            }
        }, cancellationToken);
    }

    private static async Task EnsureContactAsync(ConfideDbContext db, string workspaceId, string contactId, CancellationToken ct)
    {
        // Erased (or being erased) since it was found: nothing may be added to it.
        if (!await db.Contacts.InWorkspace(workspaceId).AnyAsync(c => c.Id == contactId, ct))
        {
            throw new ConfideException(ConfideError.NotFound("User"));
        }
    }

    internal sealed record Summary(string Name, long Count, DateTimeOffset First, DateTimeOffset Last);

    /// <summary><c>event_summaries</c>: one object or a list of them, each <c>{"event_name","count","first","last"}</c>; a later summary of the same name wins.</summary>
    private static List<Summary> ParseSummaries(JsonElement? value)
    {
        if (value is not { } element || element.ValueKind == JsonValueKind.Null)
        {
            throw new ConfideException(ConfideError.ParameterMissing("event_summaries"));
        }

        List<JsonElement> items = element.ValueKind switch
        {
            JsonValueKind.Object => [element],
            JsonValueKind.Array => element.EnumerateArray().ToList(),
            _ => throw Invalid("event_summaries must be an object or a list of objects"),
        };
        if (items.Count is 0 or > MaxSummaries)
        {
            throw Invalid($"event_summaries must hold 1 to {MaxSummaries} summaries");
        }

        var byName = new Dictionary<string, Summary>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw Invalid("event_summaries must be an object or a list of objects");
            }

            var name = Text.Required(Member(item, "event_name") is { ValueKind: JsonValueKind.String } n ? n.GetString() : null, "event_summaries.event_name", MaxNameLength);
            var count = Number(item, "count") ?? 1;
            if (count < 1)
            {
                throw Invalid("event_summaries.count must be 1 or more");
            }

            var first = Unix.FromSeconds(Number(item, "first"), "event_summaries.first");
            var last = Unix.FromSeconds(Number(item, "last"), "event_summaries.last");
            if (first is null && last is null)
            {
                throw new ConfideException(ConfideError.ParameterMissing("event_summaries.last"));
            }

            var (from, to) = (first ?? last!.Value, last ?? first!.Value);
            if (from > to)
            {
                throw Invalid("event_summaries.first must not be after last");
            }

            byName[name] = new Summary(name, count, from, to);
        }

        return [.. byName.Values];
    }

    private static JsonElement? Member(JsonElement item, string name) =>
        item.TryGetProperty(name, out var member) && member.ValueKind != JsonValueKind.Null ? member : null;

    private static long? Number(JsonElement item, string name) => Member(item, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } number when number.TryGetInt64(out var value) => value,
        _ => throw Invalid($"event_summaries.{name} must be an integer"),
    };

    private static ConfideException Invalid(string message) => new(new ConfideError(HttpStatusCode.BadRequest, "parameter_invalid", message));

    [LoggerMessage(EventId = 4920, EventName = "DataEventDuplicateIgnored", Level = LogLevel.Information,
        Message = "A data event of workspace {WorkspaceId} repeated one already stored (same contact, name and second) and was not stored again")]
    private static partial void LogDuplicateIgnored(ILogger logger, string workspaceId);
}

/// <summary>The contact an event names: by Confide's id, else the external id (<c>user_id</c>), else the email (a user before a lead).</summary>
internal static class DataEventContacts
{
    public static async Task<string> FindIdAsync(CellDatabase cell, ILookupIndex lookup, string workspaceId, string? id, string? userId, string? email, CancellationToken ct)
    {
        id = Text.Optional(id, "id", 64);
        userId = Text.Optional(userId, "user_id", 255);
        email = Text.Optional(email, "email", 254);
        if (id is null && userId is null && email is null)
        {
            throw new ConfideException(new ConfideError(HttpStatusCode.BadRequest, "parameter_not_found", "One of id, user_id or email is required"));
        }

        var keys = id is null ? await lookup.ForWorkspaceAsync(cell, workspaceId, ct) : null;
        await using var db = cell.CreateReadContext();
        var contacts = db.Contacts.InWorkspace(workspaceId);
        string? found;
        if (id is not null)
        {
            found = await contacts.Where(c => c.Id == id).Select(c => c.Id).FirstOrDefaultAsync(ct);
        }
        else if (userId is not null)
        {
            var key = keys!.ExternalId(userId);
            found = await contacts.Where(c => c.ExternalIdLookup == key).Select(c => c.Id).FirstOrDefaultAsync(ct);
        }
        else
        {
            var key = keys!.Email(email!);
            found = await contacts.Where(c => c.EmailLookup == key).OrderByDescending(c => c.Role == ContactRoles.User).ThenBy(c => c.Id).Select(c => c.Id).FirstOrDefaultAsync(ct);
        }

        return found ?? throw new ConfideException(ConfideError.NotFound("User"));
    }
}
