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
/// </summary>
public sealed class WorkspaceKeyRing(MasterKeys masterKeys, TimeProvider time) : ILookupIndex, IDisposable
{
    private static readonly TimeSpan CacheLifetime = TimeSpan.FromMinutes(10);

    private readonly MemoryCache _unwrapped = new(new MemoryCacheOptions { SizeLimit = 10_000 });

    /// <summary>A wrapped key to store, and the lookup functions it gives before it is stored.</summary>
    public sealed record NewLookupKey(WorkspaceKey Stored, LookupKeys Lookup);

    /// <summary>A new lookup-index key for a workspace, wrapped and ready to add in the workspace's creating transaction.</summary>
    public async Task<NewLookupKey> NewLookupIndexKeyAsync(Region region, string workspaceId, CancellationToken cancellationToken)
    {
        var master = masterKeys.For(region);
        var key = RandomNumberGenerator.GetBytes(DataKey.SizeInBytes);
        // Read before wrapping: should a rotation land in between, the row names an older version
        // than the one it is wrapped under, which the rotation re-wraps anyway. The other way
        // round, the rotation would skip the row and retire the version it needs.
        var masterKeyId = master.KeyId;
        var stored = new WorkspaceKey
        {
            Id = Guid.NewGuid(),
            WorkspaceId = workspaceId,
            Purpose = WorkspaceKeyPurposes.LookupIndex,
            Version = 1,
            WrappedKey = await master.WrapAsync(key, WrapContext(workspaceId, WorkspaceKeyPurposes.LookupIndex), cancellationToken),
            MasterKeyId = masterKeyId,
            CreatedAt = time.GetUtcNow(),
        };
        return new NewLookupKey(stored, new BlindIndex(key));
    }

    public async ValueTask<LookupKeys> ForWorkspaceAsync(CellDatabase cell, string workspaceId, CancellationToken cancellationToken)
    {
        var cacheKey = (cell.Region, workspaceId, WorkspaceKeyPurposes.LookupIndex);
        if (!_unwrapped.TryGetValue(cacheKey, out byte[]? key) || key is null)
        {
            await using var db = cell.CreateReadContext();
            var stored = await db.WorkspaceKeys
                .Where(k => k.WorkspaceId == workspaceId && k.Purpose == WorkspaceKeyPurposes.LookupIndex)
                .OrderByDescending(k => k.Version)
                .FirstOrDefaultAsync(cancellationToken)
                ?? throw new CryptoIntegrityException("The workspace has no lookup-index key.");
            key = await masterKeys.For(cell.Region).UnwrapAsync(stored.WrappedKey, WrapContext(workspaceId, stored.Purpose), cancellationToken);
            using var entry = _unwrapped.CreateEntry(cacheKey);
            entry.Value = key;
            entry.Size = 1;
            // Not zeroed on eviction: a request may still be using the array.
            entry.AbsoluteExpirationRelativeToNow = CacheLifetime;
        }

        return new BlindIndex(key);
    }

    /// <summary>Binds a wrapped key to its workspace and purpose: moved to another row, it does not unwrap.</summary>
    internal static byte[] WrapContext(string workspaceId, string purpose) => Encoding.UTF8.GetBytes($"workspace:{workspaceId}:{purpose}");

    public void Dispose() => _unwrapped.Dispose();
}
