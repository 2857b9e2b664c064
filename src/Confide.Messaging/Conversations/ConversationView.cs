using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Confide.Crypto;
using Confide.Data.Model;
using Confide.Messaging.Api;
using Confide.Messaging.Tags;

namespace Confide.Messaging.Conversations;

/// <summary>The Intercom v2 conversation object. The opening message is the <c>source</c>; later parts are listed.</summary>
internal sealed record ConversationView(
    string Id,
    string? Title,
    long CreatedAt,
    long UpdatedAt,
    bool Open,
    string State,
    bool Read,
    string? AdminAssigneeId,
    string? TeamAssigneeId,
    SourceView Source,
    ContactListRefView Contacts,
    PartListView? ConversationParts,
    TeammatesView Teammates,
    StatisticsView Statistics)
{
    private static readonly IReadOnlyDictionary<string, object> Empty = new Dictionary<string, object>();

    public string Type { get; } = "conversation";
    public long? WaitingSince { get; }

    /// <summary>While the conversation is snoozed: when it reopens by itself (Unix seconds); null otherwise.</summary>
    public long? SnoozedUntil { get; init; }

    public string Priority { get; init; } = ConversationPriorities.NotPriority;
    public ConversationTagListView Tags { get; init; } = new([]);

    /// <summary>The conversation's custom attributes (opened from their sealed JSON object); <c>{}</c> when none were set.</summary>
    public JsonObject CustomAttributes { get; init; } = new();

    /// <summary>The contact's rating, once they rated the conversation in the messenger; left out before (Intercom's type has no null).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ConversationRatingView? ConversationRating { get; init; }

    /// <summary>Intercom's topics (a reporting feature Confide does not have): <c>{}</c>, as in Intercom's own examples.</summary>
    public IReadOnlyDictionary<string, object> Topics { get; } = Empty;
}

internal sealed record SourceView(string Id, string? Subject, string? Body, AuthorView Author)
{
    /// <summary>The one kind of source Confide has: a conversation a contact started.</summary>
    public const string SourceType = "conversation";
    public const string CustomerInitiated = "customer_initiated";

    /// <summary>A conversation a teammate started (<c>POST /messages</c>): its opening part is the teammate's.</summary>
    public const string AdminInitiated = "admin_initiated";

    public string Type { get; } = SourceType;
    public string DeliveredAs { get; init; } = CustomerInitiated;
    public object[] Attachments { get; } = [];
    public string? Url { get; }

    /// <summary>The opening message's text was destroyed by <c>POST /conversations/redact</c> (<c>type: source</c>).</summary>
    public bool Redacted { get; init; }
}

internal sealed record AuthorView(string Type, string Id, string? Name, string? Email);

/// <summary>Intercom's <c>conversation_rating</c>: the contact's 1 to 5, their remark (<c>""</c> without one), when, and the teammate it rates.</summary>
internal sealed record ConversationRatingView(int Rating, string Remark, long CreatedAt, ContactRefView Contact, RatedTeammateView Teammate);

/// <summary>The teammate a rating is about; no id when nobody was assigned and no teammate had replied.</summary>
internal sealed record RatedTeammateView(string? Id)
{
    public string Type { get; } = "admin";
}

/// <summary>The conversation's tags (Intercom's <c>tag.list</c>), in the order they were applied.</summary>
internal sealed record ConversationTagListView(IReadOnlyList<AppliedTagView> Tags)
{
    public string Type { get; } = "tag.list";
}

internal sealed record ContactListRefView(IReadOnlyList<ContactRefView> Contacts)
{
    public string Type { get; } = "contact.list";
}

internal sealed record ContactRefView(string Id, string? ExternalId)
{
    public string Type { get; } = "contact";
}

internal sealed record PartListView(IReadOnlyList<PartView> ConversationParts, int TotalCount)
{
    public string Type { get; } = "conversation_part.list";
}

/// <param name="AssignedTo">Only on assignment parts (left out elsewhere, where Intercom's types have no null).</param>
internal sealed record PartView(string Id, string PartType, string? Body, long CreatedAt, long UpdatedAt, long NotifiedAt, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] AssigneeView? AssignedTo, AuthorView Author)
{
    public string Type { get; } = "conversation_part";
    public object[] Attachments { get; } = [];
    public string? ExternalId { get; }

    /// <summary>The part's text was destroyed by <c>POST /conversations/redact</c>; its body is then <c>""</c>.</summary>
    public bool Redacted { get; init; }
}

/// <summary>
/// Who an assignment part assigned the conversation to: <c>admin</c> or <c>team</c> with its id.
/// A part that removed the assignee names no id: <c>nobody_admin</c> (Intercom's word) for the
/// teammate, <c>team</c> for the team.
/// </summary>
internal sealed record AssigneeView(string Type, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Id)
{
    public const string NobodyAdmin = "nobody_admin";

    public static AssigneeView? Of(ConversationPart part) => part switch
    {
        { PartType: not PartTypes.Assignment } => null,
        { AssignedToId: { } id } => new AssigneeView(part.AssignedToType ?? AssigneeTypes.Admin, id),
        { AssignedToType: AssigneeTypes.Team } => new AssigneeView(AssigneeTypes.Team, null),
        _ => new AssigneeView(NobodyAdmin, null),
    };
}

internal sealed record ConversationListView(IReadOnlyList<ConversationView> Conversations, int TotalCount, PagesView Pages)
{
    public string Type { get; } = "conversation.list";
}

internal sealed record MessageView(string Id, long CreatedAt, string? Subject, string Body, string ConversationId)
{
    public string Type { get; } = "user_message";
    public string MessageType { get; } = "inapp";
}

internal sealed record ConversationDeletedView(string Id, bool Deleted)
{
    public string Object { get; } = "conversation";
}

/// <summary>Turns stored rows into views, decrypting with the contact's key; authors are looked up once per conversation.</summary>
internal sealed class ConversationRenderer
{
    private readonly Contact _contact;
    private readonly ContactCipher _cipher;
    private readonly TeammateDirectory _teammates;
    private readonly string? _contactName;
    private readonly string? _contactEmail;

    public ConversationRenderer(Contact contact, ContactCipher cipher, TeammateDirectory teammates)
    {
        _contact = contact;
        _cipher = cipher;
        _teammates = teammates;
        _contactName = cipher.Name(contact);
        _contactEmail = cipher.Email(contact);
    }

    /// <param name="tags">The tags applied to the conversation.</param>
    /// <param name="facts">Every part of the conversation (the opening included), for its statistics and teammates.</param>
    /// <param name="participants">The contacts attached to the conversation besides its own, listed after it in <c>contacts</c>.</param>
    public ConversationView Render(Conversation conversation, ConversationPart opening, IReadOnlyList<ConversationPart>? laterParts, IReadOnlyList<AppliedTagView> tags, IReadOnlyCollection<PartFacts> facts, IEnumerable<ContactRefView>? participants = null)
    {
        var parts = laterParts?.Select(Part).ToList();
        var title = _cipher.Title(conversation);
        var contactRef = new ContactRefView(_contact.Id, _cipher.ExternalId(_contact));
        return new ConversationView(
            conversation.Id,
            title,
            Unix.Seconds(conversation.CreatedAt),
            Unix.Seconds(conversation.UpdatedAt),
            conversation.State == ConversationStates.Open,
            conversation.State,
            conversation.Read,
            conversation.AdminAssigneeId,
            conversation.TeamAssigneeId,
            new SourceView(opening.Id, title ?? "", Body(opening), Author(opening))
            {
                DeliveredAs = opening.AuthorType == "admin" && opening.PartType == PartTypes.Comment ? SourceView.AdminInitiated : SourceView.CustomerInitiated,
                Redacted = opening.Redacted,
            },
            new ContactListRefView([contactRef, .. participants ?? []]),
            parts is null ? null : new PartListView(parts, parts.Count),
            TeammatesView.From(facts),
            StatisticsView.From(conversation.CreatedAt, facts))
        {
            Priority = conversation.Priority ? ConversationPriorities.Priority : ConversationPriorities.NotPriority,
            Tags = new ConversationTagListView(tags),
            SnoozedUntil = conversation.SnoozedUntil is { } until ? Unix.Seconds(until) : null,
            CustomAttributes = JsonNode.Parse(_cipher.CustomAttributes(conversation))!.AsObject(),
            ConversationRating = conversation is { Rating: { } rating, RatedAt: { } ratedAt }
                ? new ConversationRatingView(rating, _cipher.RatingRemark(conversation) ?? "", Unix.Seconds(ratedAt), contactRef, new RatedTeammateView(conversation.RatingTeammateId))
                : null,
        };
    }

    private PartView Part(ConversationPart part)
    {
        var at = Unix.Seconds(part.CreatedAt);
        return new PartView(part.Id, part.PartType, Body(part), at, at, at, AssigneeView.Of(part), Author(part)) { Redacted = part.Redacted };
    }

    /// <summary>The part's text; a retention tombstone's is the notice that stands for the deleted parts, a redacted part's is empty.</summary>
    private string? Body(ConversationPart part) =>
        part.PartType == PartTypes.RetentionTombstone ? RetentionTombstones.Text : part.Redacted ? "" : _cipher.Body(part);

    private AuthorView Author(ConversationPart part)
    {
        if (part.AuthorType == RetentionTombstones.AuthorType)
        {
            return new AuthorView(RetentionTombstones.AuthorType, RetentionTombstones.AuthorId, "Confide", null);
        }

        if (part.AuthorType != "admin")
        {
            return new AuthorView(part.AuthorType, part.AuthorId, _contactName, _contactEmail);
        }

        var teammate = _teammates.Find(part.AuthorId);
        return new AuthorView("admin", part.AuthorId, teammate?.Name, teammate?.Email);
    }
}
