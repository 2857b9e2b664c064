using Confide.Platform;

namespace Confide.Data.Model;

/// <summary>One entry in a conversation: a message, an internal note or a state change.</summary>
public sealed class ConversationPart
{
    [DataCategory(DataCategories.SystemOperations)]
    public required string Id { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string WorkspaceId { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string ConversationId { get; init; }

    /// <summary>Position within the conversation, starting at 1 for the opening message.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public int Sequence { get; init; }

    /// <summary>See <see cref="PartTypes"/>.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string PartType { get; init; }

    /// <summary>The message, encrypted under the key of the conversation's contact.</summary>
    [DataCategory(DataCategories.UserMessage)]
    public byte[]? EncryptedBody { get; set; }

    /// <summary><c>admin</c>, <c>user</c> or <c>lead</c>.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string AuthorType { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string AuthorId { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public string? AssignedToId { get; init; }

    /// <summary>What <see cref="AssignedToId"/> names: <c>team</c>, or <c>admin</c> (also when null, for parts written before teams).</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public string? AssignedToType { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>The body was destroyed (<c>POST /conversations/redact</c>): <see cref="EncryptedBody"/> is null and stays so.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public bool Redacted { get; set; }
}

public static class PartTypes
{
    public const string Comment = "comment";
    public const string Note = "note";
    public const string Open = "open";
    public const string Close = "close";
    public const string Assignment = "assignment";

    /// <summary>A teammate snoozed the conversation (Intercom's part type).</summary>
    public const string Snoozed = "snoozed";

    /// <summary>The conversation reopened by itself when its snooze ended (Intercom's part type; author Confide).</summary>
    public const string TimerUnsnooze = "timer_unsnooze";

    /// <summary>
    /// Left by the <c>conversation_part</c> retention rule where it deleted a conversation's older
    /// parts (sequence 0, no body, author Confide): readers show "Earlier messages were removed
    /// under the retention policy".
    /// </summary>
    public const string RetentionTombstone = "retention_tombstone";
}

/// <summary>The one part left where the <c>conversation_part</c> retention rule deleted a conversation's older parts.</summary>
public static class RetentionTombstones
{
    /// <summary>Before every remaining part.</summary>
    public const int Sequence = 0;

    /// <summary>Confide itself wrote it, as Intercom's automated parts are authored by a bot.</summary>
    public const string AuthorType = "bot";

    public const string AuthorId = "confide";

    /// <summary>What every reader shows in its place (the API's body, the inbox, the messenger).</summary>
    public const string Text = "Earlier messages were removed under the retention policy.";
}

/// <summary>What an assignment part's <see cref="ConversationPart.AssignedToId"/> names.</summary>
public static class AssigneeTypes
{
    public const string Admin = "admin";
    public const string Team = "team";
}
