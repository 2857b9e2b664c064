using System.Text.Json;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Identity;
using Confide.Identity.Authorization;
using Confide.Messaging.Api;
using Confide.Messaging.Contacts;
using Confide.Platform;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.DataEvents;

/// <summary>Intercom's data events: submit one, list a contact's (or their per-name summary), submit summaries.</summary>
internal static class DataEventEndpoints
{
    /// <summary>Intercom's default page size for this list.</summary>
    private const int DefaultPageSize = 15;

    public static void MapDataEventEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapPost("/events", CreateAsync).RequirePermission(Permissions.ContactsWrite);
        api.MapGet("/events", ListAsync).RequirePermission(Permissions.ContactsRead);
        api.MapPost("/events/summaries", SummariesAsync).RequirePermission(Permissions.ContactsWrite);
    }

    /// <summary>202 with an empty body, as Intercom answers (also for a duplicate, which is not stored twice).</summary>
    private static async Task<IResult> CreateAsync(ApiCaller caller, CurrentCell cell, DataEventCommands commands, DataEventInput input, CancellationToken ct)
    {
        await commands.CreateAsync(cell.Database, caller.WorkspaceId, input, ct);
        return TypedResults.StatusCode(StatusCodes.Status202Accepted);
    }

    /// <summary>200 with an empty body, as Intercom answers.</summary>
    private static async Task<IResult> SummariesAsync(ApiCaller caller, CurrentCell cell, DataEventCommands commands, DataEventSummariesInput input, CancellationToken ct)
    {
        await commands.SummariesAsync(cell.Database, caller.WorkspaceId, input, ct);
        return TypedResults.Ok();
    }

    private static async Task<IResult> ListAsync(
        ApiCaller caller, CurrentCell cell, ILookupIndex lookup, ContactKeyRing keys, HttpRequest request,
        string? type, [FromQuery(Name = "intercom_user_id")] string? intercomUserId, [FromQuery(Name = "user_id")] string? userId, string? email,
        bool? summary, [FromQuery(Name = "per_page")] int? perPage, [FromQuery(Name = "starting_after")] string? startingAfter, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(type))
        {
            throw new ConfideException(ConfideError.ParameterMissing("type"));
        }

        if (type != "user")
        {
            throw new ConfideException(ConfideError.ParameterInvalid("type must be 'user'"));
        }

        var size = PageSize.Resolve(perPage, DefaultPageSize);
        var after = DataEventCursor.Decode(startingAfter);
        var contactId = await DataEventContacts.FindIdAsync(cell.Database, lookup, caller.WorkspaceId, intercomUserId, userId, email, ct);
        var cipher = await keys.ForContactAsync(cell.Database, caller.WorkspaceId, contactId, ct);
        await using var db = cell.Database.CreateReadContext();
        var contact = await db.Contacts.InWorkspace(caller.WorkspaceId).FirstOrDefaultAsync(c => c.Id == contactId, ct)
            ?? throw new ConfideException(ConfideError.NotFound("User"));
        var (contactEmail, externalId) = (cipher.Email(contact), cipher.ExternalId(contact));
        var events = db.DataEvents.Where(e => e.WorkspaceId == caller.WorkspaceId && e.ContactId == contactId);

        if (summary == true)
        {
            return TypedResults.Ok(new DataEventSummaryView(contactEmail, contactId, externalId, await SummariseAsync(events, ct)));
        }

        var singles = events.Where(e => e.FirstOccurredAt == null);
        if (after is { } cursor)
        {
            var (at, id) = (cursor.OccurredAt, cursor.Id);
            singles = singles.Where(e => e.OccurredAt < at || (e.OccurredAt == at && string.Compare(e.Id, id) < 0));
        }

        var page = await singles.OrderByDescending(e => e.OccurredAt).ThenByDescending(e => e.Id).Take(size + 1).ToListAsync(ct);
        string? next = null;
        if (page.Count > size)
        {
            page.RemoveAt(page.Count - 1);
            var query = QueryString.Create(new KeyValuePair<string, string?>[]
            {
                new("type", "user"), new("intercom_user_id", contactId), new("per_page", size.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                new("starting_after", new DataEventCursor(page[^1].OccurredAt, page[^1].Id).Encode()),
            });
            // The link names the contact by its id only, never by an email or external id.
            next = UriHelper.BuildAbsolute(request.Scheme, request.Host, request.PathBase, "/events", query);
        }

        var views = page.Select(e => new DataEventView(e.Id, e.Name, Unix.Seconds(e.OccurredAt), externalId, contactId, contactEmail, Metadata(cipher, e))).ToList();
        return TypedResults.Ok(new DataEventListView(views, new DataEventPagesView(next)));
    }

    /// <summary>Per name: the count, the first and the last time, over single events and summaries alike; read as a stream, held per name.</summary>
    private static async Task<IReadOnlyList<DataEventSummaryItemView>> SummariseAsync(IQueryable<DataEvent> events, CancellationToken ct)
    {
        var byName = new SortedDictionary<string, (long Count, DateTimeOffset First, DateTimeOffset Last)>(StringComparer.Ordinal);
        var rows = events.Select(e => new { e.Name, e.Count, e.OccurredAt, e.FirstOccurredAt }).AsAsyncEnumerable();
        await foreach (var row in rows.WithCancellation(ct))
        {
            var first = row.FirstOccurredAt ?? row.OccurredAt;
            byName[row.Name] = byName.TryGetValue(row.Name, out var seen)
                ? (seen.Count + row.Count, first < seen.First ? first : seen.First, row.OccurredAt > seen.Last ? row.OccurredAt : seen.Last)
                : (row.Count, first, row.OccurredAt);
        }

        return [.. byName.Select(n => new DataEventSummaryItemView(n.Key, DataEventSummaryItemView.Time(n.Value.First), DataEventSummaryItemView.Time(n.Value.Last), n.Value.Count, null))];
    }

    private static JsonElement Metadata(ContactCipher cipher, DataEvent dataEvent)
    {
        using var json = JsonDocument.Parse(cipher.Metadata(dataEvent) ?? "{}");
        return json.RootElement.Clone();
    }
}
