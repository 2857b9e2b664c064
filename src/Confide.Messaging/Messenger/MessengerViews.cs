namespace Confide.Messaging.Messenger;

/// <summary>What the messenger frame shows: only the session's own conversations, never internal notes.</summary>
internal sealed record MessengerConversationSummary(string Id, string State, string? LastMessage, string LastAuthorType, long UpdatedAt, int Unread);

internal sealed record MessengerConversationList(IReadOnlyList<MessengerConversationSummary> Conversations, int Unread);

/// <summary>A message of the thread; <see cref="Kind"/> is "admin" or "user" for a comment, "close" or "open" for a state change.</summary>
internal sealed record MessengerMessage(string Id, string Kind, string AuthorName, string? Body, long CreatedAt);

internal sealed record MessengerThread(string Id, string State, IReadOnlyList<MessengerMessage> Messages, int Unread)
{
    /// <summary>The contact's own rating of the conversation (1 to 5), once given; the remark is theirs too.</summary>
    public MessengerRating? Rating { get; init; }
}

internal sealed record MessengerRating(int Rating, string? Remark, long CreatedAt);

/// <summary>Body of <c>POST /messenger/v1/conversations/{id}/rating</c>: 1 to 5 and an optional remark.</summary>
internal sealed record MessengerRatingInput(int? Rating, string? Remark);

internal sealed record MessengerBootResult(string Session, string Identity, long ExpiresAt);

internal sealed record MessengerBootInput(string? UserId, string? Email, string? Name, string? UserHash, string? UserJwt);

internal sealed record MessengerMessageInput(string? Body);
