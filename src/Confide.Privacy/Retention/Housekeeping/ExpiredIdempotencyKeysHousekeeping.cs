using Confide.Data;
using Confide.Data.Idempotency;
using Confide.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace Confide.Privacy.Retention.Housekeeping;

/// <summary>
/// Deletes claimed <c>Idempotency-Key</c>s (<see cref="IdempotencyKey"/>) older than their
/// lifetime (<see cref="IdempotencyKeys.Lifetime"/>, 24 hours). An expired key is already
/// ignored by the API, and a new request with it replaces the row; this keeps the table small.
/// </summary>
internal sealed class ExpiredIdempotencyKeysHousekeeping : IRetentionHousekeeping
{
    public string Name => "idempotency_keys";

    public async Task<RetentionBatch?> NextBatchAsync(CellDatabase cell, DateTimeOffset now, int batchSize, CancellationToken cancellationToken)
    {
        var before = now - IdempotencyKeys.Lifetime;
        List<string> keys;
        await using (var db = cell.CreateReadContext())
        {
            keys = await db.IdempotencyKeys.Where(k => k.CreatedAt < before).OrderBy(k => k.CreatedAt).Select(k => k.KeyHash).Take(batchSize).ToListAsync(cancellationToken);
        }

        if (keys.Count == 0)
        {
            return null;
        }

        // Selected by hash and age: a row of another token with the same hash that is also expired is due as well.
        var hashes = keys.Distinct().ToList();
        return new RetentionBatch(keys.Count, (db, ct) => db.IdempotencyKeys.Where(k => hashes.Contains(k.KeyHash) && k.CreatedAt < before).ExecuteDeleteAsync(ct));
    }
}
