using Confide.Platform;

namespace Confide.Data.Model;

public sealed class Conversation
{
    [DataCategory(DataCategories.SystemOperations)]
    public required string Id { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string WorkspaceId { get; init; }

    /// <summary>The contact who started the conversation.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string ContactId { get; init; }

    /// <summary>The subject, encrypted under the contact's key.</summary>
    [DataCategory(DataCategories.UserMessage)]
    public byte[]? EncryptedTitle { get; set; }

    /// <summary><c>open</c>, <c>closed</c> or <c>snoozed</c> (see <see cref="ConversationStates"/>).</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string State { get; set; }

    /// <summary>
    /// While <see cref="State"/> is <c>snoozed</c>: when it reopens by itself (a durable job,
    /// <c>conversations.unsnooze</c>, is queued for that instant); null otherwise.
    /// </summary>
    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset? SnoozedUntil { get; set; }

    /// <summary>The conversation's custom attributes as a JSON object, encrypted under the contact's key; null means none.</summary>
    [DataCategory(DataCategories.UserCustom)]
    public byte[]? EncryptedCustomAttributes { get; set; }

    /// <summary>The contact's rating of the conversation (1 to 5, Intercom's <c>conversation_rating.rating</c>); null until rated.</summary>
    [DataCategory(DataCategories.UserBehavior)]
    public int? Rating { get; set; }

    /// <summary>The remark the contact added to the rating, encrypted under the contact's key.</summary>
    [DataCategory(DataCategories.UserMessage)]
    public byte[]? EncryptedRatingRemark { get; set; }

    /// <summary>When the contact rated the conversation.</summary>
    [DataCategory(DataCategories.UserBehavior)]
    public DateTimeOffset? RatedAt { get; set; }

    /// <summary>The teammate the rating is about: the admin assignee when the contact rated.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public string? RatingTeammateId { get; set; }

    [DataCategory(DataCategories.SystemOperations)]
    public string? AdminAssigneeId { get; set; }

    /// <summary>The team the conversation is assigned to; independent of <see cref="AdminAssigneeId"/>, as in Intercom.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public string? TeamAssigneeId { get; set; }

    [DataCategory(DataCategories.SystemOperations)]
    public bool Read { get; set; }

    /// <summary>Marked as a priority (Intercom's <c>priority</c>: <c>priority</c> or <c>not_priority</c>).</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public bool Priority { get; set; }

    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset CreatedAt { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>
    /// When the conversation was last closed; null while open (a reopen clears it) and for
    /// conversations closed before it was recorded (the retention rule then uses <see cref="UpdatedAt"/>).
    /// </summary>
    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset? ClosedAt { get; set; }

    /// <summary>Number of parts written so far; orders parts without relying on clock ties.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public int PartCount { get; set; }

    /// <summary>How many parts the contact has seen in the messenger; later teammate replies are unread.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public int ContactReadPartCount { get; set; }

    /// <summary>Set with its contact's <see cref="Contact.ErasureStartedAt"/>: hidden until the purge deletes it.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset? ErasureStartedAt { get; set; }

    public List<ConversationPart> Parts { get; } = [];
}

public static class ConversationStates
{
    public const string Open = "open";
    public const string Closed = "closed";

    /// <summary>Put aside until <see cref="Conversation.SnoozedUntil"/>; then open again.</summary>
    public const string Snoozed = "snoozed";
}
