using Confide.Platform;

namespace Confide.Data.Model;

/// <summary>
/// The signed proof that a contact was erased: what was removed (categories and counts), which
/// key was destroyed, when, and where the erasure sits in the activity log. It names the subject
/// only by a keyed hash (<see cref="SubjectReference"/>), never by email or contact id, so it can
/// outlive the erasure and be handed to the subject. Written in the transaction that deletes the
/// contact's rows; see docs/privacy-operations.md ("Erasure receipts").
/// </summary>
public sealed class ErasureReceipt
{
    [DataCategory(DataCategories.SystemOperations)]
    public required string Id { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string WorkspaceId { get; init; }

    /// <summary>The erasure request it answers; one receipt per request.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string PrivacyRequestId { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string Region { get; init; }

    /// <summary>The workspace's blind index of the contact id: a second erasure of the subject finds this receipt by it.</summary>
    [DataCategory(DataCategories.UserDerivedIndex)]
    public required string SubjectReference { get; init; }

    /// <summary>Records erased per category, as the canonical JSON object the receipt signs (e.g. <c>{"conversations":2,...}</c>).</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string Categories { get; init; }

    /// <summary>The destroyed contact key versions' ids, comma-separated, sorted.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string DestroyedKeyIds { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required DateTimeOffset RequestedAt { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required DateTimeOffset KeyDestroyedAt { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required DateTimeOffset CompletedAt { get; init; }

    /// <summary>The leaf index (sequence) of the <c>contact_deletion</c> entry in the workspace's activity log.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required long ActivityLogLeafIndex { get; init; }

    /// <summary>The region's activity-log signing key that signed the receipt.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string SigningKeyId { get; init; }

    /// <summary>ECDSA P-256 / SHA-256, DER, over the receipt's canonical JSON without the signature.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required byte[] Signature { get; init; }
}
