using Confide.Data;
using Confide.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace Confide.Privacy.Retention.Rules;

/// <summary>
/// Optional (docs/retention.md): conversations closed more than <see cref="RetentionScope.AfterDays"/>
/// days ago (<see cref="Conversation.ClosedAt"/>; <see cref="Conversation.UpdatedAt"/> for one
/// closed before that was recorded) are deleted with their parts, tag links and search tokens; the contact stays. A reopened
/// conversation is not closed, and a held one (or one of a held contact) is left. Batches are
/// bounded by parts: a conversation longer than a batch loses its parts a batch at a time, then goes.
/// </summary>
internal sealed class ClosedConversationRetentionRule : IRetentionRule
{
    public const string Name = "closed_conversation";

    public string Subject => Name;

    public bool BuiltIn => false;

    public int DefaultAfterDays => 365;

    public async Task<RetentionPreview> PreviewAsync(RetentionScope scope, int sampleSize, CancellationToken cancellationToken)
    {
        await using var db = scope.Cell.CreateReadContext();
        var due = Due(db, scope);
        return new RetentionPreview(
            await due.LongCountAsync(cancellationToken),
            await due.OrderBy(c => c.Id).Select(c => c.Id).Take(sampleSize).ToListAsync(cancellationToken));
    }

    public async Task<RetentionBatch?> NextBatchAsync(RetentionScope scope, int batchSize, CancellationToken cancellationToken)
    {
        var partBudget = Math.Max(batchSize, 1) * RetentionErasure.PartsPerContact;
        List<(string Id, int Parts)> candidates;
        await using (var db = scope.Cell.CreateReadContext())
        {
            candidates = [.. (await Due(db, scope).OrderBy(c => c.ClosedAt ?? c.UpdatedAt).ThenBy(c => c.Id)
                .Select(c => new { c.Id, Parts = db.ConversationParts.Count(p => p.ConversationId == c.Id) })
                .Take(batchSize).ToListAsync(cancellationToken)).Select(c => (c.Id, c.Parts))];
        }

        if (candidates.Count == 0)
        {
            return null;
        }

        var workspaceId = scope.WorkspaceId;
        if (candidates[0].Parts > partBudget)
        {
            // One long conversation: its oldest parts first, a bounded number per batch. Its newest
            // part stays until the conversation goes, so every reader still finds one to show.
            var longId = candidates[0].Id;
            return new RetentionBatch(0, async (db, ct) =>
            {
                var still = Due(db, scope).Where(c => c.Id == longId).Select(c => c.Id);
                var newest = await db.ConversationParts.Where(p => p.ConversationId == longId).MaxAsync(p => (int?)p.Sequence, ct);
                var oldest = db.ConversationParts.Where(p => p.ConversationId == longId && still.Contains(p.ConversationId) && p.Sequence < newest)
                    .OrderBy(p => p.Sequence).Take(partBudget).Select(p => p.Id);
                await db.ConversationParts.Where(p => p.WorkspaceId == workspaceId && oldest.Contains(p.Id)).ExecuteDeleteAsync(ct);
            });
        }

        var ids = new List<string>();
        var parts = 0;
        foreach (var (id, count) in candidates)
        {
            if (parts + count > partBudget)
            {
                break;
            }

            parts += count;
            ids.Add(id);
        }

        return new RetentionBatch(ids.Count, async (db, ct) =>
        {
            // Still due inside the write: reopened or held meanwhile, it stays.
            var still = Due(db, scope).Where(c => ids.Contains(c.Id)).Select(c => c.Id);
            await db.SearchTokens.Where(t => t.WorkspaceId == workspaceId && (t.Kind == SearchTokenKinds.Conversation || t.Kind == SearchTokenKinds.ConversationAttributes) && still.Contains(t.OwnerId)).ExecuteDeleteAsync(ct);
            await db.ConversationTags.Where(t => t.WorkspaceId == workspaceId && still.Contains(t.ConversationId)).ExecuteDeleteAsync(ct);
            await db.ConversationParticipants.Where(p => p.WorkspaceId == workspaceId && still.Contains(p.ConversationId)).ExecuteDeleteAsync(ct);
            await db.ConversationParts.Where(p => p.WorkspaceId == workspaceId && still.Contains(p.ConversationId)).ExecuteDeleteAsync(ct);
            await Due(db, scope).Where(c => ids.Contains(c.Id)).ExecuteDeleteAsync(ct);
        });
    }

    internal static IQueryable<Conversation> Due(ConfideDbContext db, RetentionScope scope)
    {
        var held = db.HeldConversationIds(scope.WorkspaceId, scope.Now);
        var workspaceHeld = db.ActiveHolds(scope.WorkspaceId, scope.Now).Any(h => h.TargetType == LegalHoldTargets.Workspace);
        var cutoff = scope.Cutoff;
        return db.Conversations.Where(c => c.WorkspaceId == scope.WorkspaceId && c.State == ConversationStates.Closed
            && (c.ClosedAt ?? c.UpdatedAt) < cutoff && !workspaceHeld && !held.Contains(c.Id));
    }
}
