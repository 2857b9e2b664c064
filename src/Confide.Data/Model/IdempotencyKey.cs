using Confide.Platform;

namespace Confide.Data.Model;

/// <summary>
/// A claimed <c>Idempotency-Key</c> of an API write (docs/api.md, "Idempotent retries"). Inserted in
/// the transaction of the request's first write, so the key is taken if and only if that write
/// committed; the outcome is recorded once the request has answered. Holds hashes and the public
/// id of the object answered, never the request or the response: a stored body would keep
/// personal data past its erasure. Deleted 24 hours after it was claimed.
/// </summary>
public sealed class IdempotencyKey
{
    [DataCategory(DataCategories.SystemOperations)]
    public required string WorkspaceId { get; init; }

    /// <summary>The API token that sent the request: a key is scoped to one token.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string TokenId { get; init; }

    /// <summary>Hex SHA-256 of the key: the client's text is not kept.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string KeyHash { get; init; }

    /// <summary>Hex SHA-256 of the method, path and body: a retry must send the same request.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string RequestHash { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The status the request answered; null while it runs (or when its process stopped before it answered).</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public int? StatusCode { get; set; }

    /// <summary>The <c>type</c> of the object answered (<c>contact</c>, <c>conversation</c>...), if any.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public string? ObjectType { get; set; }

    /// <summary>The public id of the object answered, if any.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public string? ObjectId { get; set; }

    /// <summary>The object's <c>conversation_id</c>, if it has one (a message answered by <c>POST /conversations</c> or <c>POST /messages</c>).</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public string? ConversationId { get; set; }
}
