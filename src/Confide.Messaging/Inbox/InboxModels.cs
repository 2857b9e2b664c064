namespace Confide.Messaging.Inbox;

public sealed record InboxRow(string Id, string State, string ContactLabel, string? Snippet, DateTimeOffset UpdatedAt, string? AssigneeName);

public sealed record InboxThread(string Id, string State, string ContactLabel, string? ContactEmail, string? AssigneeName, IReadOnlyList<InboxPart> Parts);

public sealed record InboxPart(string PartType, string AuthorType, string AuthorName, string? Body, DateTimeOffset CreatedAt, string? AssigneeName)
{
    public bool IsNote => PartType == Data.Model.PartTypes.Note;

    public bool IsFromCustomer => AuthorType != "admin";
}

public enum InboxFilter
{
    Open,
    Closed,
    All,
}
