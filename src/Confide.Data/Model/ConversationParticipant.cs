using Confide.Platform;

namespace Confide.Data.Model;

/// <summary>
/// A contact attached to a conversation besides the contact who started it (Intercom's
/// <c>POST /conversations/{id}/customers</c>): a link of ids only. The conversation's messages stay
/// sealed under its own contact's key. The link goes with its conversation (deletion, retention,
/// the starting contact's erasure) and with the attached contact's erasure.
/// </summary>
public sealed class ConversationParticipant
{
    [DataCategory(DataCategories.SystemOperations)]
    public required string WorkspaceId { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string ConversationId { get; init; }

    /// <summary>The attached contact.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string ContactId { get; init; }

    /// <summary>The teammate it was attached as (<c>admin_id</c>).</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string AddedById { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset CreatedAt { get; init; }
}
