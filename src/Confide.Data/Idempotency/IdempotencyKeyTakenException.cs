namespace Confide.Data.Idempotency;

/// <summary>
/// A write's <c>Idempotency-Key</c> was claimed by another request (an earlier one, or one running
/// at the same moment): this write was rolled back before its work ran, and the request is
/// answered from the other one's claim.
/// </summary>
/// <remarks>
/// Deliberately without the database's unique-violation as inner exception: code that maps a
/// taken unique key to its own answer (a 409 <c>conflict</c>) must not mistake this for one.
/// </remarks>
public sealed class IdempotencyKeyTakenException() : Exception("The idempotency key was claimed by another request.");
