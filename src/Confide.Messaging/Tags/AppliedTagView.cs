using System.Text.Json.Serialization;
using Confide.Data.Model;
using Confide.Messaging.Api;

namespace Confide.Messaging.Tags;

/// <summary>
/// A tag as applied to a contact or a conversation: when, and as which teammate
/// (<c>applied_by</c>). Both are left out when unknown — a contact's tag applied before Confide
/// recorded who applied it, or the answer to removing a conversation tag that was not applied —
/// since Intercom's shape has them optional, not nullable.
/// </summary>
internal sealed record AppliedTagView(
    string Id,
    string Name,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? AppliedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] AdminRefView? AppliedBy)
{
    public string Type { get; } = "tag";

    public static AppliedTagView From(Tag tag, ContactTag link) =>
        new(tag.Id, tag.Name, Unix.Seconds(link.CreatedAt), link.AppliedById is { } by ? new AdminRefView(by) : null);
}

/// <summary>A teammate named by id only (Intercom's admin reference).</summary>
internal sealed record AdminRefView(string Id)
{
    public string Type { get; } = "admin";
}
