using Confide.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace Confide.Data.Idempotency;

/// <summary>Reads and completes the claims of <c>Idempotency-Key</c>s (<see cref="IdempotencyKey"/>).</summary>
public static class IdempotencyKeys
{
    /// <summary>How long a key is remembered after its request claimed it; the housekeeping deletes it after.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    /// <summary>The unexpired claim of this key by this token, or null.</summary>
    public static async Task<IdempotencyKey?> FindAsync(CellDatabase cell, string workspaceId, string tokenId, string keyHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var notBefore = now - Lifetime;
        await using var db = cell.CreateReadContext();
        return await db.IdempotencyKeys.AsNoTracking()
            .FirstOrDefaultAsync(k => k.WorkspaceId == workspaceId && k.TokenId == tokenId && k.KeyHash == keyHash && k.CreatedAt >= notBefore, cancellationToken);
    }

    /// <summary>Records what the request that claimed <paramref name="claim"/> answered.</summary>
    public static Task RecordOutcomeAsync(CellDatabase cell, IdempotencyKey claim, int statusCode, string? objectType, string? objectId, string? conversationId, CancellationToken cancellationToken)
    {
        var (workspace, token, key) = (claim.WorkspaceId, claim.TokenId, claim.KeyHash);
        return cell.Writer.WriteAsync((db, ct) => db.IdempotencyKeys
            .Where(k => k.WorkspaceId == workspace && k.TokenId == token && k.KeyHash == key && k.StatusCode == null)
            .ExecuteUpdateAsync(k => k
                .SetProperty(p => p.StatusCode, statusCode)
                .SetProperty(p => p.ObjectType, objectType)
                .SetProperty(p => p.ObjectId, objectId)
                .SetProperty(p => p.ConversationId, conversationId), ct), cancellationToken);
    }
}
