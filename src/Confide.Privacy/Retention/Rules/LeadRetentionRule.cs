using Confide.Data;
using Confide.Data.Model;

namespace Confide.Privacy.Retention.Rules;

/// <summary>
/// Optional (docs/retention.md): a lead never converted to a user, identified or not, created
/// more than <see cref="RetentionScope.AfterDays"/> days ago — and not seen since either, so a
/// lead in an ongoing conversation is left — is erased through <see cref="RetentionErasure"/>,
/// like a visitor.
/// </summary>
internal sealed class LeadRetentionRule(RetentionErasure erasure) : IRetentionRule
{
    public const string Name = "lead";

    public string Subject => Name;

    public bool BuiltIn => false;

    public int DefaultAfterDays => 180;

    public Task<RetentionPreview> PreviewAsync(RetentionScope scope, int sampleSize, CancellationToken cancellationToken) =>
        RetentionErasure.PreviewAsync(scope, sampleSize, db => Due(db, scope.Cutoff), cancellationToken);

    public Task<RetentionBatch?> NextBatchAsync(RetentionScope scope, int batchSize, CancellationToken cancellationToken) =>
        erasure.NextBatchAsync(scope, batchSize, db => Due(db, scope.Cutoff), cancellationToken);

    internal static IQueryable<Contact> Due(ConfideDbContext db, DateTimeOffset cutoff) =>
        db.Contacts.Where(c => c.Role == ContactRoles.Lead && c.CreatedAt < cutoff && (c.LastSeenAt == null || c.LastSeenAt < cutoff));
}
