using Confide.Crypto;
using Confide.Data.Model;
using Confide.Messaging.Api;

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
    PartListView? ConversationParts)
{
    public string Type { get; } = "conversation";
    public long? WaitingSince { get; }
    public long? SnoozedUntil { get; }
    public string Priority { get; init; } = ConversationPriorities.NotPriority;
    public ConversationTagListView Tags { get; init; } = new([]);
    public object Teammates { get; } = new { type = "admin.list", admins = Array.Empty<object>() };
    public object? Statistics { get; }
}

internal sealed record SourceView(string Id, string? Subject, string? Body, AuthorView Author)
{
    /// <summary>The one kind of source Confide has: a conversation a contact started.</summary>
    public const string SourceType = "conversation";
    public const string CustomerInitiated = "customer_initiated";

    public string Type { get; } = SourceType;
    public string DeliveredAs { get; } = CustomerInitiated;
    public object[] Attachments { get; } = [];
    public string? Url { get; }
    public bool Redacted { get; }
}

internal sealed record AuthorView(string Type, string Id, string? Name, string? Email);

/// <summary>The conversation's tags (Intercom's <c>tag.list</c>), in the order they were applied.</summary>
internal sealed record ConversationTagListView(IReadOnlyList<AppliedTagView> Tags)
{
    public string Type { get; } = "tag.list";
}

/// <summary>A tag as applied to a conversation: when, and as which teammate (<c>applied_by</c>); both null in the answer to removing a tag that was not applied.</summary>
internal sealed record AppliedTagView(string Id, string Name, long? AppliedAt, AdminRefView? AppliedBy)
{
    public string Type { get; } = "tag";
}

internal sealed record AdminRefView(string Id)
{
    public string Type { get; } = "admin";
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

internal sealed record PartView(string Id, string PartType, string? Body, long CreatedAt, long UpdatedAt, long NotifiedAt, AssigneeView? AssignedTo, AuthorView Author)
{
    public string Type { get; } = "conversation_part";
    public object[] Attachments { get; } = [];
    public string? ExternalId { get; }
    public bool Redacted { get; }
}

/// <summary>Who an assignment part assigned the conversation to: <c>admin</c> or <c>team</c>.</summary>
internal sealed record AssigneeView(string Type, string Id);

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

    public ConversationView Render(Conversation conversation, ConversationPart opening, IReadOnlyList<ConversationPart>? laterParts, IReadOnlyList<AppliedTagView> tags)
    {
        var parts = laterParts?.Select(Part).ToList();
        var title = _cipher.Title(conversation);
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
            new SourceView(opening.Id, title ?? "", Body(opening), Author(opening)),
            new ContactListRefView([new ContactRefView(_contact.Id, _cipher.ExternalId(_contact))]),
            parts is null ? null : new PartListView(parts, parts.Count))
        {
            Priority = conversation.Priority ? ConversationPriorities.Priority : ConversationPriorities.NotPriority,
            Tags = new ConversationTagListView(tags),
        };
    }

    private PartView Part(ConversationPart part)
    {
        var at = Unix.Seconds(part.CreatedAt);
        return new PartView(part.Id, part.PartType, Body(part), at, at, at, part.AssignedToId is null ? null : new AssigneeView(part.AssignedToType ?? AssigneeTypes.Admin, part.AssignedToId), Author(part));
    }

    /// <summary>The part's text; a retention tombstone's is the notice that stands for the deleted parts.</summary>
    private string? Body(ConversationPart part) =>
        part.PartType == PartTypes.RetentionTombstone ? RetentionTombstones.Text : _cipher.Body(part);

    private AuthorView Author(ConversationPart part)
    {
        if (part.PartType == PartTypes.RetentionTombstone)
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
