using System.Text.Json.Serialization;
using Confide.Data.Model;
using Confide.Messaging.Api;

namespace Confide.Messaging.Conversations;

/// <summary>What the statistics and the teammates of a conversation are computed from: a part without its body.</summary>
internal sealed record PartFacts(string ConversationId, int Sequence, string PartType, string AuthorType, string AuthorId, DateTimeOffset CreatedAt)
{
    public static PartFacts Of(ConversationPart part) => new(part.ConversationId, part.Sequence, part.PartType, part.AuthorType, part.AuthorId, part.CreatedAt);

    public bool ByAdmin => AuthorType == "admin";

    /// <summary>Written by the conversation's contact (a user or a lead), not a teammate or Confide.</summary>
    public bool ByContact => AuthorType is not ("admin" or RetentionTombstones.AuthorType);
}

/// <summary>
/// Intercom's <c>conversation_statistics</c>, computed from the conversation's parts (those the
/// retention policy has not deleted). Times are Unix seconds; a figure Confide cannot know (no
/// such part yet, or office hours it does not keep) is left out rather than sent as null.
/// </summary>
internal sealed class StatisticsView
{
    private const JsonIgnoreCondition Omitted = JsonIgnoreCondition.WhenWritingNull;

    public string Type { get; } = "conversation_statistics";

    [JsonIgnore(Condition = Omitted)] public long? TimeToAdminReply { get; private init; }
    [JsonIgnore(Condition = Omitted)] public long? TimeToFirstClose { get; private init; }
    [JsonIgnore(Condition = Omitted)] public long? TimeToLastClose { get; private init; }
    [JsonIgnore(Condition = Omitted)] public long? FirstContactReplyAt { get; private init; }
    [JsonIgnore(Condition = Omitted)] public long? FirstAssignmentAt { get; private init; }
    [JsonIgnore(Condition = Omitted)] public long? FirstAdminReplyAt { get; private init; }
    [JsonIgnore(Condition = Omitted)] public long? FirstCloseAt { get; private init; }
    [JsonIgnore(Condition = Omitted)] public long? LastAssignmentAt { get; private init; }
    [JsonIgnore(Condition = Omitted)] public long? LastContactReplyAt { get; private init; }
    [JsonIgnore(Condition = Omitted)] public long? LastAdminReplyAt { get; private init; }
    [JsonIgnore(Condition = Omitted)] public long? LastCloseAt { get; private init; }
    [JsonIgnore(Condition = Omitted)] public string? LastClosedById { get; private init; }
    public int CountReopens { get; private init; }
    public int CountAssignments { get; private init; }

    /// <summary>The parts after the opening message, as <c>conversation_parts.total_count</c> counts them.</summary>
    public int CountConversationParts { get; private init; }

    /// <param name="parts">Every part of the conversation, the opening message included, in any order.</param>
    public static StatisticsView From(DateTimeOffset createdAt, IEnumerable<PartFacts> parts)
    {
        var ordered = parts.OrderBy(p => p.Sequence).ToList();
        var adminReplies = ordered.Where(p => p.ByAdmin && p.PartType == PartTypes.Comment).ToList();
        var contactReplies = ordered.Where(p => p.ByContact && p.PartType == PartTypes.Comment).ToList();
        var closes = ordered.Where(p => p.PartType == PartTypes.Close).ToList();
        var assignments = ordered.Where(p => p.PartType == PartTypes.Assignment).ToList();
        var start = Unix.Seconds(createdAt);
        return new StatisticsView
        {
            FirstAdminReplyAt = At(adminReplies.FirstOrDefault()),
            LastAdminReplyAt = At(adminReplies.LastOrDefault()),
            TimeToAdminReply = At(adminReplies.FirstOrDefault()) - start,
            FirstContactReplyAt = At(contactReplies.FirstOrDefault()),
            LastContactReplyAt = At(contactReplies.LastOrDefault()),
            FirstCloseAt = At(closes.FirstOrDefault()),
            LastCloseAt = At(closes.LastOrDefault()),
            TimeToFirstClose = At(closes.FirstOrDefault()) - start,
            TimeToLastClose = At(closes.LastOrDefault()) - start,
            LastClosedById = closes.LastOrDefault()?.AuthorId,
            FirstAssignmentAt = At(assignments.FirstOrDefault()),
            LastAssignmentAt = At(assignments.LastOrDefault()),
            CountAssignments = assignments.Count,
            CountReopens = ordered.Count(p => p.PartType == PartTypes.Open),
            CountConversationParts = Math.Max(0, ordered.Count - 1),
        };
    }

    private static long? At(PartFacts? part) => part is null ? null : Unix.Seconds(part.CreatedAt);
}

/// <summary>
/// The teammates who wrote at least one part, in the order they first did. Intercom's 2.11
/// description names the array <c>teammates</c> and the official Node SDK 7.x <c>admins</c>:
/// both are sent, holding the same references.
/// </summary>
internal sealed record TeammatesView(IReadOnlyList<AdminReferenceView> Admins)
{
    public string Type { get; } = "admin.list";

    public IReadOnlyList<AdminReferenceView> Teammates => Admins;

    public static TeammatesView From(IEnumerable<PartFacts> parts) =>
        new([.. parts.OrderBy(p => p.Sequence).Where(p => p.ByAdmin).Select(p => p.AuthorId).Distinct(StringComparer.Ordinal).Select(id => new AdminReferenceView(id))]);
}

internal sealed record AdminReferenceView(string Id)
{
    public string Type { get; } = "admin";
}
