using System.Collections.Concurrent;
using Confide.Data.Model;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Confide.Data;

/// <summary>
/// Orders writes of sealed values against the retirement of the key versions they are sealed
/// under, in the cell database where those writes commit. A rotation (or an erasure) marks the
/// versions it retires in <see cref="RetiringKey"/> before it scans for values to re-seal; every
/// write unit checks the key ids of the sealed values it stores against those rows, inside its
/// transaction, and is refused if one is retiring. So a value sealed under an old version by a
/// process whose keys are stale either committed before the mark (and the scans re-seal it) or
/// is refused: it never lands after the last scan, under a key about to be destroyed.
/// On SQLite the single writer orders the check and the mark; on PostgreSQL a transaction-scoped
/// advisory lock does (shared for writers, exclusive for the mark).
/// </summary>
public static class SealedKeyFence
{
    // The advisory lock on PostgreSQL (one per cell database); the id spells "ConfideK".
    private const string TakeSharedLock = "SELECT pg_advisory_xact_lock_shared(4859223909089961291)";
    private const string TakeExclusiveLock = "SELECT pg_advisory_xact_lock(4859223909089961291)";

    /// <summary>How long a retired key version stays refused after it was marked (here and in the contact key store).</summary>
    public static readonly TimeSpan Remembered = TimeSpan.FromDays(30);

    private static readonly ConcurrentDictionary<IEntityType, IProperty[]> SealedProperties = new();

    private static readonly CompiledPerProvider<Func<ConfideDbContext, Guid, Task<bool>>> IsRetiring =
        new(() => EF.CompileAsyncQuery((ConfideDbContext db, Guid keyId) => db.RetiringKeys.Any(k => k.KeyId == keyId)));

    /// <summary>
    /// Refuses the unit if a sealed value it adds or changes names a retiring key version. Runs
    /// in every write unit just before its changes are saved; costs nothing for units that seal nothing.
    /// </summary>
    public static async Task CheckAsync(ConfideDbContext db, CancellationToken cancellationToken)
    {
        var keyIds = SealedKeyIds(db);
        if (keyIds.Count == 0)
        {
            return;
        }

        if (db is PostgresConfideDbContext)
        {
            await db.Database.ExecuteSqlRawAsync(TakeSharedLock, cancellationToken);
        }

        foreach (var keyId in keyIds)
        {
            if (await IsRetiring.For(db)(db, keyId))
            {
                throw new ConfideException(ConfideError.KeyRotationInProgress());
            }
        }
    }

    /// <summary>
    /// Marks key versions as retiring; once it returns, no unit can store a value sealed under
    /// them, and every unit that did store one has committed (so a scan that starts now finds it).
    /// </summary>
    public static Task MarkRetiringAsync(CellDatabase cell, IReadOnlyCollection<Guid> keyIds, TimeProvider time, CancellationToken cancellationToken) =>
        cell.Writer.WriteAsync(async (db, ct) =>
        {
            if (db is PostgresConfideDbContext)
            {
                // Waits for every unit holding the shared lock, i.e. inside its check, to commit.
                await db.Database.ExecuteSqlRawAsync(TakeExclusiveLock, ct);
            }

            var now = time.GetUtcNow();
            var expired = now - Remembered;
            await db.RetiringKeys.Where(k => k.Since < expired).ExecuteDeleteAsync(ct);
            var known = await db.RetiringKeys.Where(k => keyIds.Contains(k.KeyId)).Select(k => k.KeyId).ToListAsync(ct);
            db.RetiringKeys.AddRange(keyIds.Except(known).Select(id => new RetiringKey { KeyId = id, Since = now }));
        }, cancellationToken);

    /// <summary>The key ids named by the sealed values (<c>Encrypted*</c> columns) this unit adds or changes.</summary>
    private static HashSet<Guid> SealedKeyIds(ConfideDbContext db)
    {
        var keyIds = new HashSet<Guid>();
        foreach (var entry in db.ChangeTracker.Entries())
        {
            if (entry.State is not (EntityState.Added or EntityState.Modified))
            {
                continue;
            }

            foreach (var property in SealedProperties.GetOrAdd(entry.Metadata, FindSealedProperties))
            {
                var value = entry.Property(property);
                if ((entry.State == EntityState.Added || value.IsModified)
                    && value.CurrentValue is byte[] sealedValue
                    && SealedEnvelope.TryKeyIdOf(sealedValue, out var keyId))
                {
                    keyIds.Add(keyId);
                }
            }
        }

        return keyIds;
    }

    private static IProperty[] FindSealedProperties(IEntityType type) =>
        [.. type.GetProperties().Where(p => p.ClrType == typeof(byte[]) && p.Name.StartsWith("Encrypted", StringComparison.Ordinal))];
}
