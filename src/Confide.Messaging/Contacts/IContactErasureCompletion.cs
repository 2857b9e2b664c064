using Confide.Audit;
using Confide.Data;

namespace Confide.Messaging.Contacts;

/// <summary>
/// What an erasure also does outside Messaging: when it is acknowledged, the privacy module opens
/// the subject's erasure request (unless one is open); in the transaction of its final step, it
/// completes that request and stores the signed receipt. Kept as a seam so Messaging does not
/// depend on Privacy.
/// </summary>
public interface IContactErasureCompletion
{
    /// <summary>Inside the acknowledging transaction, after the contact was hidden.</summary>
    Task StartAsync(ConfideDbContext db, CellDatabase cell, string workspaceId, string contactId, ActivityActor actor, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    /// <summary>
    /// After the acknowledging transaction committed and the key was destroyed, before the caller
    /// is answered: what must not wait for the purge (files readable without the contact's key).
    /// Must be quick and safe to repeat; the purge's handlers repeat it after a crash.
    /// </summary>
    Task AcknowledgedAsync(CellDatabase cell, string workspaceId, string contactId, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Before the purge's last write: whatever needs I/O (the signing key), so the write itself does none.</summary>
    Task PrepareAsync(CellDatabase cell, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Inside the purge's last write, after the rows were deleted and the erasure logged.</summary>
    Task CompleteAsync(ConfideDbContext db, CellDatabase cell, ErasedContact erased, CancellationToken cancellationToken) => Task.CompletedTask;
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
    public const string Companies = "companies";
    public const string ConversationTags = "conversation_tags";
    public const string ConversationParticipants = "conversation_participants";
    public const string DataEvents = "data_events";
    public const string SubscriptionChanges = "subscription_changes";
    public const string SearchTokens = "search_tokens";
}
