using System.Text.Json;
using System.Text.Json.Serialization;
using Confide.Data.Model;
using Confide.Messaging.Api;

namespace Confide.Messaging.Segments;

/// <summary>Body of <c>POST /confide/segments</c> and <c>PUT /confide/segments/{id}</c> (absent members unchanged on PUT).</summary>
/// <param name="Query">A contact search query in Intercom's language, as <c>POST /contacts/search</c> takes it.</param>
internal sealed record SegmentInput(string? Name, string? PersonType, JsonElement? Query);

/// <summary>
/// Intercom's segment. <see cref="Count"/> only when asked for (<c>include_count=true</c>);
/// <see cref="Query"/> only in Confide's own answers (<c>/confide/segments</c>), never in Intercom's.
/// </summary>
internal sealed record SegmentView(
    string Id,
    string Name,
    long CreatedAt,
    long UpdatedAt,
    string PersonType,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Count = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonElement? Query = null)
{
    public string Type { get; } = "segment";

    public static SegmentView From(Segment segment, int? count = null, JsonElement? query = null) =>
        new(segment.Id, segment.Name, Unix.Seconds(segment.CreatedAt), Unix.Seconds(segment.UpdatedAt), segment.PersonType, count, query);
}

internal sealed record SegmentListView(IReadOnlyList<SegmentView> Segments)
{
    public string Type { get; } = "segment.list";
}

/// <summary>The segments a contact is in (Intercom's <c>contact_segments</c>).</summary>
internal sealed record ContactSegmentListView(IReadOnlyList<SegmentView> Data)
{
    public string Type { get; } = "list";
}

internal sealed record SegmentDeletedView(string Id)
{
    public string Object { get; } = "segment";

    public bool Deleted { get; } = true;
}
