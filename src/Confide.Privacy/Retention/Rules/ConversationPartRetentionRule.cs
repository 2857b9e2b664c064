using Confide.Data;
using Confide.Data.Model;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Privacy.Retention.Rules;

/// <summary>
/// Optional (docs/retention.md): conversation parts written more than
/// <see cref="RetentionScope.AfterDays"/> days ago are deleted, and each shortened conversation
/// keeps one tombstone part (<see cref="PartTypes.RetentionTombstone"/>, sequence 0, no body) that
/// every reader shows as "Earlier messages were removed under the retention policy". Never
/// deleted: the tombstone itself, the newest part of an open conversation (a teammate answering
/// must see what they answer), the parts of a held conversation or contact, and those of a contact
/// being erased (its purge takes them).
/// </summary>
internal sealed class ConversationPartRetentionRule(TimeProvider time) : IRetentionRule
{
    public const string Name = "conversation_part";

    public string Subject => Name;

    public bool BuiltIn => false;

    public int DefaultAfterDays => 365;

    public async Task<RetentionPreview> PreviewAsync(RetentionScope scope, int sampleSize, CancellationToken cancellationToken)
    {
        await using var db = scope.Cell.CreateReadContext();
        var due = Due(db, scope);
        return new RetentionPreview(
            await due.LongCountAsync(cancellationToken),
            await due.OrderBy(p => p.CreatedAt).ThenBy(p => p.Id).Select(p => p.Id).Take(sampleSize).ToListAsync(cancellationToken));
    }

    public async Task<RetentionBatch?> NextBatchAsync(RetentionScope scope, int batchSize, CancellationToken cancellationToken)
    {
        List<(string Id, string ConversationId)> parts;
        await using (var db = scope.Cell.CreateReadContext())
        {
            parts = [.. (await Due(db, scope).OrderBy(p => p.CreatedAt).ThenBy(p => p.Id)
                .Select(p => new { p.Id, p.ConversationId }).Take(batchSize).ToListAsync(cancellationToken)).Select(p => (p.Id, p.ConversationId))];
        }

        if (parts.Count == 0)
        {
            return null;
        }

        var ids = parts.Select(p => p.Id).ToList();
        var conversations = parts.Select(p => p.ConversationId).Distinct(StringComparer.Ordinal).ToList();
        var workspaceId = scope.WorkspaceId;
        var tombstoneIds = conversations.ToDictionary(c => c, _ => PublicIds.NewEntityId(time), StringComparer.Ordinal);
        return new RetentionBatch(ids.Count, async (db, ct) =>
        {
            // Still due inside the write (a hold placed, a conversation reopened meanwhile: those stay).
            var deleted = await Due(db, scope).Where(p => ids.Contains(p.Id)).Select(p => p.ConversationId).Distinct().ToListAsync(ct);
            if (deleted.Count == 0)
            {
                return;
            }

            await Due(db, scope).Where(p => ids.Contains(p.Id)).ExecuteDeleteAsync(ct);
            var marked = await db.ConversationParts
                .Where(p => deleted.Contains(p.ConversationId) && p.PartType == PartTypes.RetentionTombstone).Select(p => p.ConversationId).ToListAsync(ct);
            foreach (var conversationId in deleted.Except(marked))
            {
                db.ConversationParts.Add(new ConversationPart
                {
                    Id = tombstoneIds[conversationId], WorkspaceId = workspaceId, ConversationId = conversationId, Sequence = RetentionTombstones.Sequence,
                    PartType = PartTypes.RetentionTombstone, AuthorType = RetentionTombstones.AuthorType, AuthorId = RetentionTombstones.AuthorId,
                    CreatedAt = scope.Now,
                });
            }
        });
    }

    private static IQueryable<ConversationPart> Due(ConfideDbContext db, RetentionScope scope)
    {
        var workspaceId = scope.WorkspaceId;
        var cutoff = scope.Cutoff;
        var held = db.HeldConversationIds(workspaceId, scope.Now);
        var workspaceHeld = db.ActiveHolds(workspaceId, scope.Now).Any(h => h.TargetType == LegalHoldTargets.Workspace);
        // The model's filter leaves out conversations being erased.
        var conversations = db.Conversations.Where(c => c.WorkspaceId == workspaceId && !held.Contains(c.Id));
        // Open or snoozed (open again later): the latest part stays.
        var open = db.Conversations.Where(c => c.WorkspaceId == workspaceId && (c.State == ConversationStates.Open || c.State == ConversationStates.Snoozed));
        return db.ConversationParts.Where(p => p.WorkspaceId == workspaceId && p.CreatedAt < cutoff && !workspaceHeld
            && p.PartType != PartTypes.RetentionTombstone
            && conversations.Any(c => c.Id == p.ConversationId)
            && !(open.Any(c => c.Id == p.ConversationId) && p.Sequence == db.ConversationParts.Where(q => q.ConversationId == p.ConversationId).Max(q => q.Sequence)));
    }
}
