using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Confide.Platform;

namespace Confide.Messaging.DataEvents;

/// <summary>Body of <c>POST /events</c>: the event and its contact, named by <c>id</c> (or <c>intercom_user_id</c>), <c>user_id</c> or <c>email</c>.</summary>
internal sealed record DataEventInput(string? EventName, long? CreatedAt, string? Id, string? IntercomUserId, string? UserId, string? Email, JsonElement? Metadata);

/// <summary>Body of <c>POST /events/summaries</c>: the contact as for an event, and one summary or a list of them.</summary>
internal sealed record DataEventSummariesInput(string? Id, string? IntercomUserId, string? UserId, string? Email, JsonElement? EventSummaries);

/// <summary>One event as Intercom lists it.</summary>
internal sealed record DataEventView(
    string Id,
    string EventName,
    long CreatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? UserId,
    string IntercomUserId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Email,
    JsonElement Metadata)
{
    public string Type { get; } = "event";
}

/// <summary>Intercom's <c>pages</c> of this list: <c>next</c> only when there is a next page.</summary>
internal sealed record DataEventPagesView([property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Next)
{
    public string Type { get; } = "pages";
}

/// <summary><c>GET /events</c>: a contact's events, newest first.</summary>
internal sealed record DataEventListView(IReadOnlyList<DataEventView> Events, DataEventPagesView Pages)
{
    public string Type { get; } = "event.list";
}

/// <summary><c>GET /events?summary=true</c>: per event name, how many and the first and last time.</summary>
internal sealed record DataEventSummaryView(string? Email, string IntercomUserId, string? UserId, IReadOnlyList<DataEventSummaryItemView> Events)
{
    public string Type { get; } = "event.summary";
}

internal sealed record DataEventSummaryItemView(string Name, string First, string Last, long Count, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Description)
{
    /// <summary>Intercom's form of these times: <c>2014-01-16T23:12:21.000+00:00</c>.</summary>
    public static string Time(DateTimeOffset value) =>
        value.ToUniversalTime().ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fff'+00:00'", CultureInfo.InvariantCulture);
}

/// <summary>
/// The opaque <c>starting_after</c> of the events list, ordered by time then id, newest first:
/// the last row's time (Unix milliseconds) and id. Only ids and a time, never personal data.
/// </summary>
internal readonly record struct DataEventCursor(DateTimeOffset OccurredAt, string Id)
{
    private static readonly long MinMilliseconds = DateTimeOffset.MinValue.ToUnixTimeMilliseconds();

    public string Encode() =>
        Base64Url.EncodeToString(Encoding.ASCII.GetBytes($"{OccurredAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}.{Id}"));

    public static DataEventCursor? Decode(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }

        try
        {
            var text = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(cursor));
            var dot = text.IndexOf('.', StringComparison.Ordinal);
            if (dot > 0
                && long.TryParse(text.AsSpan(0, dot), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var milliseconds)
                && milliseconds >= MinMilliseconds && milliseconds <= UnixSeconds.Max * 1000
                && PublicIds.IsEntityId(text[(dot + 1)..]))
            {
                return new DataEventCursor(DateTimeOffset.FromUnixTimeMilliseconds(milliseconds), text[(dot + 1)..]);
            }
        }
        catch (FormatException)
        {
        }

        throw new ConfideException(ConfideError.ParameterInvalid("starting_after is not a valid cursor"));
    }
}
