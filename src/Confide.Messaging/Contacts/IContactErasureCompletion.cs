using Confide.Audit;
using Confide.Data;

namespace Confide.Messaging.Contacts;

/// <summary>
/// What a finished erasure also does, in the same transaction as its final step: the privacy
/// module completes the subject's erasure request and stores the signed receipt. Kept as a seam
/// so Messaging does not depend on Privacy.
/// </summary>
public interface IContactErasureCompletion
{
    /// <summary>Before the writer: whatever needs I/O (the signing key), so the write itself does none.</summary>
    Task PrepareAsync(CellDatabase cell, CancellationToken cancellationToken);

    /// <summary>Inside the writer, after the rows were deleted and the erasure logged.</summary>
    Task CompleteAsync(ConfideDbContext db, CellDatabase cell, ErasedContact erased, CancellationToken cancellationToken);
}

/// <summary>The facts of one erasure, as the receipt states them. Counts were taken just before the delete.</summary>
/// <param name="SubjectReference">The workspace's blind index of the contact id.</param>
/// <param name="LogEntry">The <c>contact_deletion</c> entry's sequence (its leaf index).</param>
public sealed record ErasedContact(
    string WorkspaceId,
    string ContactId,
    string SubjectReference,
    IReadOnlyDictionary<string, long> Categories,
    IReadOnlyList<string> DestroyedKeyIds,
    DateTimeOffset RequestedAt,
    DateTimeOffset KeyDestroyedAt,
    DateTimeOffset CompletedAt,
    long LogEntry,
    ActivityActor Actor);

/// <summary>The categories an erasure counts, as they appear in a receipt.</summary>
public static class ErasedCategories
{
    public const string ContactProfile = "contact_profile";
    public const string CustomAttributes = "custom_attributes";
    public const string Tags = "tags";
    public const string Notes = "notes";
    public const string Conversations = "conversations";
    public const string ConversationParts = "conversation_parts";
}
