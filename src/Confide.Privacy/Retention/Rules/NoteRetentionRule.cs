using Confide.Data;
using Microsoft.EntityFrameworkCore;

namespace Confide.Privacy.Retention.Rules;

/// <summary>
/// Optional (docs/retention.md): teammates' notes on contacts written more than
/// <see cref="RetentionScope.AfterDays"/> days ago are deleted; the contact stays. Notes on a held
/// contact, or on a contact being erased (its purge deletes them), are left.
/// </summary>
internal sealed class NoteRetentionRule : IRetentionRule
{
    public const string Name = "note";

    public string Subject => Name;

    public bool BuiltIn => false;

    public int DefaultAfterDays => 365;

    public async Task<RetentionPreview> PreviewAsync(RetentionScope scope, int sampleSize, CancellationToken cancellationToken)
    {
        await using var db = scope.Cell.CreateReadContext();
        var due = Due(db, scope);
        return new RetentionPreview(
            await due.LongCountAsync(cancellationToken),
            await due.OrderBy(n => n.CreatedAt).ThenBy(n => n.Id).Select(n => n.Id).Take(sampleSize).ToListAsync(cancellationToken));
    }

    public async Task<RetentionBatch?> NextBatchAsync(RetentionScope scope, int batchSize, CancellationToken cancellationToken)
    {
        List<string> ids;
        await using (var db = scope.Cell.CreateReadContext())
        {
            ids = await Due(db, scope).OrderBy(n => n.CreatedAt).ThenBy(n => n.Id).Select(n => n.Id).Take(batchSize).ToListAsync(cancellationToken);
        }

        // Deleted again by id, still due (a hold placed meanwhile keeps them).
        return ids.Count == 0 ? null : new RetentionBatch(ids.Count, (db, ct) => Due(db, scope).Where(n => ids.Contains(n.Id)).ExecuteDeleteAsync(ct));
    }

    private static IQueryable<Data.Model.Note> Due(ConfideDbContext db, RetentionScope scope)
    {
        var held = db.HeldContactIds(scope.WorkspaceId, scope.Now);
        var workspaceHeld = db.ActiveHolds(scope.WorkspaceId, scope.Now).Any(h => h.TargetType == Data.Model.LegalHoldTargets.Workspace);
        var live = db.Contacts.Where(c => c.WorkspaceId == scope.WorkspaceId).Select(c => c.Id);
        var cutoff = scope.Cutoff;
        return db.Notes.Where(n => n.WorkspaceId == scope.WorkspaceId && n.CreatedAt < cutoff && !workspaceHeld
            && !held.Contains(n.ContactId) && live.Contains(n.ContactId));
    }
}
