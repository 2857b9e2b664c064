namespace Confide.Messaging.Inbox;

/// <param name="SnoozedUntil">While snoozed: when the conversation reopens by itself.</param>
public sealed record InboxRow(string Id, string State, string ContactLabel, string? Snippet, DateTimeOffset UpdatedAt, string? AssigneeName, DateTimeOffset? SnoozedUntil = null);

/// <param name="ContactRole">The contact's role: <c>user</c> or <c>lead</c>.</param>
/// <param name="AssigneeId">The teammate the conversation is assigned to; null when unassigned.</param>
/// <param name="SnoozedUntil">While snoozed: when the conversation reopens by itself.</param>
public sealed record InboxThread(
    string Id, string State, string ContactLabel, string? ContactName, string? ContactEmail, string ContactRole, string? AssigneeId, string? AssigneeName, IReadOnlyList<InboxPart> Parts, DateTimeOffset? SnoozedUntil = null);

/// <param name="Id">The part's id, stable across reads: live views append only the parts they do not show yet.</param>
/// <param name="AssignedToNobody">An assignment part that removed the assignee.</param>
public sealed record InboxPart(string Id, string PartType, string AuthorType, string AuthorName, string? Body, DateTimeOffset CreatedAt, string? AssigneeName, bool AssignedToNobody = false)
{
    public bool IsNote => PartType == Data.Model.PartTypes.Note;

    public bool IsFromCustomer => AuthorType is not ("admin" or Data.Model.RetentionTombstones.AuthorType);

    /// <summary>A part whose text was destroyed (<c>POST /conversations/redact</c>).</summary>
    public bool Redacted { get; init; }
}

/// <summary>A teammate a conversation can be assigned to.</summary>
public sealed record InboxTeammate(string Id, string Name);

public enum InboxFilter
{
    Open,

    /// <summary>Open and assigned to the signed-in teammate.</summary>
    Mine,

    /// <summary>Open and assigned to no teammate (a team assignee does not count).</summary>
    Unassigned,
    Closed,

    /// <summary>Snoozed: put aside until a time, when each reopens by itself.</summary>
    Snoozed,
    All,
}

/// <summary>Which page of the list to read: the first, the one after <paramref name="Older"/>, or the one before <paramref name="Newer"/>.</summary>
public sealed record InboxPageRequest(int Size, InboxCursor? Older = null, InboxCursor? Newer = null);

/// <summary>One page of the list, and where the pages around it start (null when there is none that way).</summary>
public sealed record InboxPage(IReadOnlyList<InboxRow> Rows, InboxCursor? Newer, InboxCursor? Older);
