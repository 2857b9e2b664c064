namespace Confide.Server.Hosting.Idempotency;

/// <summary>A write that carries an <c>Idempotency-Key</c>: the hash of what it asks, taken before its body was read by the endpoint.</summary>
internal sealed record IdempotentRequest(string Fingerprint);

/// <summary>
/// Set by <see cref="IdempotentRetryFilter"/> when the key's request already answered: the
/// middleware answers again with that status and the object's current representation.
/// </summary>
internal sealed record IdempotentReplay(int StatusCode, string? ObjectType, string? ObjectId, string? ConversationId, bool Deleted);
