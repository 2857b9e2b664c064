using System.Security.Cryptography;
using System.Text;
using Confide.Data;
using Confide.Data.Model;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;

namespace Confide.Crypto;

/// <summary>
/// Creates workspace keys (wrapped by the region's master key) and hands out unwrapped ones
/// from a bounded in-memory cache with a time limit; unwrapped keys are never written anywhere.
/// A workspace has a lookup-index key (blind indexes) and a data key (wraps its contacts' keys).
/// </summary>
public sealed class WorkspaceKeyRing(MasterKeys masterKeys, TimeProvider time) : ILookupIndex, IDisposable
{
    private static readonly TimeSpan CacheLifetime = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long the id of a workspace's current key version is trusted before the database is
    /// asked again, so a rotation in another process is seen within this time. Rotations wait
    /// longer than this before they check that nothing is still wrapped under the old version.
    /// </summary>
    public static readonly TimeSpan CurrentVersionFreshness = TimeSpan.FromSeconds(5);

    private readonly MemoryCache _unwrapped = new(new MemoryCacheOptions { SizeLimit = 10_000 });
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(Region, string), Task> _renewals = new();

    /// <summary>A wrapped key to store, and the lookup functions it gives before it is stored.</summary>
    public sealed record NewLookupKey(WorkspaceKey Stored, LookupKeys Lookup);

    /// <summary>The keys of a new workspace, wrapped to add in its creating transaction, and its workforce cipher for sealing the owner.</summary>
    public sealed record NewWorkspaceKeys(IReadOnlyList<WorkspaceKey> Stored, WorkforceCipher Workforce);

    public async Task<NewWorkspaceKeys> NewWorkspaceKeysAsync(Region region, string workspaceId, CancellationToken cancellationToken)
    {
        var (workforce, workforceKey) = await NewWorkforceKeyAsync(region, workspaceId, cancellationToken);
        return new NewWorkspaceKeys(
            [(await NewLookupIndexKeyAsync(region, workspaceId, cancellationToken)).Stored, await NewDataKeyAsync(region, workspaceId, cancellationToken), workforce],
            new WorkforceCipher(region, workspaceId, [workforceKey]));
    }

    /// <summary>A new workforce key, wrapped to store, and unwrapped to seal with before it is stored.</summary>
    public async Task<(WorkspaceKey Stored, DataKey Key)> NewWorkforceKeyAsync(Region region, string workspaceId, CancellationToken cancellationToken)
    {
        var key = DataKey.Generate();
        return (await WrapAsync(region, workspaceId, WorkspaceKeyPurposes.Workforce, key.Id, key.Material.ToArray(), cancellationToken), key);
    }

    /// <summary>The workspace's workforce cipher (every version of its key; the newest seals).</summary>
    public async ValueTask<WorkforceCipher> WorkforceAsync(CellDatabase cell, string workspaceId, CancellationToken cancellationToken)
    {
        var cacheKey = (cell.Region, workspaceId, "workforce-versions");
        if (!_unwrapped.TryGetValue(cacheKey, out DataKey[]? keys) || keys is null)
        {
            await using var db = cell.CreateReadContext();
            var stored = await db.WorkspaceKeys
                .Where(k => k.WorkspaceId == workspaceId && k.Purpose == WorkspaceKeyPurposes.Workforce)
                .OrderByDescending(k => k.Version)
                .ToListAsync(cancellationToken);
            if (stored.Count == 0)
            {
                throw new CryptoIntegrityException("The workspace has no workforce key.");
            }

            keys = new DataKey[stored.Count];
            for (var i = 0; i < stored.Count; i++)
            {
                keys[i] = _unwrapped.TryGetValue(stored[i].Id, out DataKey? known) && known is not null
                    ? known
                    : await UnwrapAndCacheAsync(cell.Region, stored[i], cancellationToken);
            }

            Cache(cacheKey, keys, CurrentVersionFreshness);
        }

        return new WorkforceCipher(cell.Region, workspaceId, keys);
    }

    /// <summary>A new lookup-index key for a workspace, wrapped and ready to add in the workspace's creating transaction.</summary>
    public async Task<NewLookupKey> NewLookupIndexKeyAsync(Region region, string workspaceId, CancellationToken cancellationToken)
    {
        var key = RandomNumberGenerator.GetBytes(DataKey.SizeInBytes);
        var stored = await WrapAsync(region, workspaceId, WorkspaceKeyPurposes.LookupIndex, Guid.NewGuid(), key, cancellationToken);
        return new NewLookupKey(stored, new BlindIndex(key));
    }

    /// <summary>A new data key for a workspace (version 1, or the next version in a rotation), wrapped; the key itself is not kept.</summary>
    public async Task<WorkspaceKey> NewDataKeyAsync(Region region, string workspaceId, CancellationToken cancellationToken, int version = 1)
    {
        using var key = DataKey.Generate();
        return await WrapAsync(region, workspaceId, WorkspaceKeyPurposes.Data, key.Id, key.Material.ToArray(), cancellationToken, version);
    }

    public async ValueTask<LookupKeys> ForWorkspaceAsync(CellDatabase cell, string workspaceId, CancellationToken cancellationToken)
    {
        var key = await CurrentAsync(cell, workspaceId, WorkspaceKeyPurposes.LookupIndex, cancellationToken);
        return new BlindIndex(key.Material.ToArray());
    }

    /// <summary>The workspace's current data key, for wrapping new contact keys. Owned by the ring: do not dispose.</summary>
    public async ValueTask<DataKey> DataKeyAsync(CellDatabase cell, string workspaceId, CancellationToken cancellationToken)
    {
        var key = await CurrentAsync(cell, workspaceId, WorkspaceKeyPurposes.Data, cancellationToken);
        if (key.Encryptions >= DataKey.MaxEncryptions - ContactKeyRing.RenewalMargin)
        {
            // The use limit triggers a new version, stored in the background: callers may be
            // inside a write unit of this cell, which must not wait for another write. The
            // margin leaves 2^16 uses of this version meanwhile.
            _ = _renewals.GetOrAdd((cell.Region, workspaceId), _ => Task.Run(() => RenewDataKeyAsync(cell, workspaceId, key.Id)));
        }

        return key;
    }

    private async Task RenewDataKeyAsync(CellDatabase cell, string workspaceId, Guid wornKeyId)
    {
        try
        {
            await cell.Writer.WriteAsync(async (db, ct) =>
            {
                var latest = await db.WorkspaceKeys.Where(k => k.WorkspaceId == workspaceId && k.Purpose == WorkspaceKeyPurposes.Data)
                    .OrderByDescending(k => k.Version).FirstAsync(ct);
                if (latest.Id == wornKeyId)
                {
                    db.WorkspaceKeys.Add(await MasterKeyFences.WrapInsideAsync(
                        db, cell.Region, () => NewDataKeyAsync(cell.Region, workspaceId, ct, latest.Version + 1), key => [key.MasterKeyId], ct));
                }
            });
            _unwrapped.Remove((cell.Region, workspaceId, WorkspaceKeyPurposes.Data));
        }
        finally
        {
            _renewals.TryRemove((cell.Region, workspaceId), out _);
        }
    }

    /// <summary>A given version of the workspace's data key, for unwrapping what it wrapped. Owned by the ring: do not dispose.</summary>
    public async ValueTask<DataKey> DataKeyAsync(CellDatabase cell, string workspaceId, Guid keyId, CancellationToken cancellationToken)
    {
        if (!_unwrapped.TryGetValue(keyId, out DataKey? key) || key is null)
        {
            await using var db = cell.CreateReadContext();
            var stored = await db.WorkspaceKeys
                .Where(k => k.Id == keyId && k.WorkspaceId == workspaceId && k.Purpose == WorkspaceKeyPurposes.Data)
                .FirstOrDefaultAsync(cancellationToken)
                ?? throw new CryptoIntegrityException("A contact key names a workspace key version that does not exist.");
            key = await UnwrapAndCacheAsync(cell.Region, stored, cancellationToken);
        }

        return key;
    }

    /// <summary>Forgets an unwrapped key version, e.g. after it was destroyed.</summary>
    public void Forget(Guid keyId) => _unwrapped.Remove(keyId);

    /// <summary>Forgets which data-key version is current, so the next use reads it again (a rotation elsewhere).</summary>
    public void ForgetCurrentDataKey(Region region, string workspaceId) =>
        _unwrapped.Remove((region, workspaceId, WorkspaceKeyPurposes.Data));

    private async ValueTask<DataKey> CurrentAsync(CellDatabase cell, string workspaceId, string purpose, CancellationToken cancellationToken)
    {
        var cacheKey = (cell.Region, workspaceId, purpose);
        if (_unwrapped.TryGetValue(cacheKey, out Guid id) && _unwrapped.TryGetValue(id, out DataKey? cached) && cached is not null)
        {
            return cached;
        }

        await using var db = cell.CreateReadContext();
        var stored = await db.WorkspaceKeys
            .Where(k => k.WorkspaceId == workspaceId && k.Purpose == purpose)
            .OrderByDescending(k => k.Version)
            .FirstOrDefaultAsync(cancellationToken)
            ?? throw new CryptoIntegrityException($"The workspace has no {purpose} key.");
        var key = _unwrapped.TryGetValue(stored.Id, out DataKey? known) && known is not null
            ? known
            : await UnwrapAndCacheAsync(cell.Region, stored, cancellationToken);
        Cache(cacheKey, stored.Id, CurrentVersionFreshness);
        return key;
    }

    private async Task<DataKey> UnwrapAndCacheAsync(Region region, WorkspaceKey stored, CancellationToken cancellationToken)
    {
        var material = await masterKeys.For(region).UnwrapAsync(stored.WrappedKey, WrapContext(stored.WorkspaceId, stored.Purpose), cancellationToken);
        var key = new DataKey(stored.Id, material);
        CryptographicOperations.ZeroMemory(material);
        // Not disposed (zeroed) on eviction: a request may still be using it.
        Cache(stored.Id, key);
        return key;
    }

    private void Cache(object cacheKey, object value, TimeSpan? lifetime = null)
    {
        using var entry = _unwrapped.CreateEntry(cacheKey);
        entry.Value = value;
        entry.Size = 1;
        entry.AbsoluteExpirationRelativeToNow = lifetime ?? CacheLifetime;
    }

    private async Task<WorkspaceKey> WrapAsync(Region region, string workspaceId, string purpose, Guid id, byte[] key, CancellationToken cancellationToken, int version = 1)
    {
        var master = masterKeys.For(region);
        // Read before wrapping: should a rotation land in between, the row names an older version
        // than the one it is wrapped under, which the rotation re-wraps anyway. The other way
        // round, the rotation would skip the row and retire the version it needs.
        var masterKeyId = master.KeyId;
        return new WorkspaceKey
        {
            Id = id,
            WorkspaceId = workspaceId,
            Purpose = purpose,
            Version = version,
            WrappedKey = await master.WrapAsync(key, WrapContext(workspaceId, purpose), cancellationToken),
            MasterKeyId = masterKeyId,
            CreatedAt = time.GetUtcNow(),
        };
    }

    /// <summary>Binds a wrapped key to its workspace and purpose: moved to another row, it does not unwrap.</summary>
    internal static byte[] WrapContext(string workspaceId, string purpose) => Encoding.UTF8.GetBytes($"workspace:{workspaceId}:{purpose}");

    public void Dispose() => _unwrapped.Dispose();
}
