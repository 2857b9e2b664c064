using Confide.Data;
using Confide.Data.Model;

namespace Confide.Privacy.Retention.Rules;

/// <summary>
/// Built in (docs/retention.md): a visitor — a lead who wrote from the messenger and never gave an
/// email or a user id — not seen for <see cref="RetentionScope.AfterDays"/> days (270 by default)
/// is erased with everything about them, through <see cref="RetentionErasure"/>. The messenger
/// refreshes <see cref="Contact.LastSeenAt"/> on each visit and message, so a visitor seen again
/// starts a new period.
/// </summary>
internal sealed class VisitorRetentionRule(RetentionErasure erasure) : IRetentionRule
{
    public const string Name = "visitor";

    public string Subject => Name;

    public bool BuiltIn => true;

    public int DefaultAfterDays => 270;

    public Task<RetentionPreview> PreviewAsync(RetentionScope scope, int sampleSize, CancellationToken cancellationToken) =>
        RetentionErasure.PreviewAsync(scope, sampleSize, db => Due(db, scope.Cutoff), cancellationToken);

    public Task<RetentionBatch?> NextBatchAsync(RetentionScope scope, int batchSize, CancellationToken cancellationToken) =>
        erasure.NextBatchAsync(scope, batchSize, db => Due(db, scope.Cutoff), cancellationToken);

    /// <summary>Anonymous messenger visitors last seen (or, never seen, created) before <paramref name="cutoff"/>.</summary>
    internal static IQueryable<Contact> Due(ConfideDbContext db, DateTimeOffset cutoff) =>
        db.Contacts.Where(c => c.Role == ContactRoles.Lead && c.VisitorLookup != null && c.EncryptedEmail == null && c.EncryptedExternalId == null
            && ((c.LastSeenAt != null && c.LastSeenAt < cutoff) || (c.LastSeenAt == null && c.CreatedAt < cutoff)));
}
