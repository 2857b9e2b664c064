using System.Security.Cryptography;
using Confide.Data;
using Confide.Data.Model;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Crypto;

/// <summary>
/// Rotates a region's master key while servers keep serving: adds a new version, re-wraps every
/// stored key still under an older version (the data keys themselves do not change, so nothing
/// is re-encrypted and unwrapped keys cached by running servers stay valid), then retires the
/// older versions once no row names them. Re-wrapping goes in small batches, each one atomic,
/// and finds its work by <c>MasterKeyId</c>: after a crash, running it again continues where it
/// stopped (a provider holding more than one version means an unfinished rotation).
/// </summary>
public sealed class MasterKeyRotation(MasterKeys masterKeys, TimeProvider time)
{
    /// <summary>
    /// How long to wait before the final scan. The fence (<see cref="MasterKeyFences"/>) already
    /// guarantees that no key lands under an older version after the mark; the wait and the
    /// scan after it are a second line of defence.
    /// </summary>
    public TimeSpan GracePeriod { get; init; } = TimeSpan.FromSeconds(3);

    public int BatchSize { get; init; } = 100;

    /// <summary>Re-wrapped so far, of the stored keys found under older versions so far.</summary>
    public readonly record struct Progress(int Done, int Total);

    public sealed record Result(Region Region, IReadOnlyList<Guid> OldKeyIds, Guid NewKeyId, bool Resumed, int Rewrapped, IReadOnlyList<Guid> Retired);

    private sealed record Rewrap(Guid Id, byte[] OldWrapped, Guid OldMasterKeyId, byte[] NewWrapped, Guid NewMasterKeyId, string? SigningKeyId = null);

    public async Task<Result> RunAsync(CellDatabase cell, IProgress<Progress>? progress, CancellationToken cancellationToken)
    {
        var provider = masterKeys.For(cell.Region);
        var before = provider.KeyIds;
        var resumed = before.Count > 1;
        var newKeyId = resumed ? provider.KeyId : await provider.RotateAsync(cancellationToken);
        // From here on no new key is stored under an older version: units that wrapped under one
        // have committed (the scans below find them), later ones see the mark and wrap under the new.
        await MasterKeyFences.MarkRetiringAsync(cell, provider.KeyIds.Where(id => id != newKeyId), cancellationToken);

        var counter = new Counter(progress);
        counter.Total = await CountOldAsync(cell, provider.KeyId, cancellationToken);
        counter.Report();
        await RewrapAllAsync(cell, provider, counter, cancellationToken);
        // A server may have wrapped a key under an old version just before it saw the new one:
        // wait for such rows to commit, and repeat until a scan after the wait finds none.
        while (true)
        {
            await Task.Delay(GracePeriod, time, cancellationToken);
            var found = await CountOldAsync(cell, provider.KeyId, cancellationToken);
            if (found == 0)
            {
                break;
            }

            counter.Total += found;
            await RewrapAllAsync(cell, provider, counter, cancellationToken);
        }

        var retired = new List<Guid>();
        var current = provider.KeyId;
        foreach (var old in provider.KeyIds.Where(id => id != current))
        {
            if (!provider.KeyIds.Contains(old))
            {
                continue; // retired meanwhile by another rotation of the same region
            }

            await RetireAsync(cell, old, cancellationToken);
            retired.Add(old);
        }

        return new Result(cell.Region, [.. before.Where(id => id != newKeyId)], newKeyId, resumed, counter.Done, retired);
    }

    /// <summary>Destroys an older master key version; refused while any stored key still names it.</summary>
    public async Task RetireAsync(CellDatabase cell, Guid keyId, CancellationToken cancellationToken)
    {
        int stillWrapped;
        await using (var db = cell.CreateReadContext())
        {
            stillWrapped = await db.WorkspaceKeys.CountAsync(k => k.MasterKeyId == keyId, cancellationToken)
                + await db.SigningKeys.CountAsync(k => k.MasterKeyId == keyId, cancellationToken);
        }

        if (stillWrapped > 0)
        {
            throw new InvalidOperationException(
                $"Region '{cell.Region}': master key {keyId} still wraps {stillWrapped} stored key(s); re-wrap them before retiring it.");
        }

        await masterKeys.For(cell.Region).RetireAsync(keyId, cancellationToken);
    }

    private static async Task<int> CountOldAsync(CellDatabase cell, Guid current, CancellationToken cancellationToken)
    {
        await using var db = cell.CreateReadContext();
        return await db.WorkspaceKeys.CountAsync(k => k.MasterKeyId != current, cancellationToken)
            + await db.SigningKeys.CountAsync(k => k.MasterKeyId != current, cancellationToken);
    }

    /// <summary>The region's signing keys are few (one per purpose and rotation): one unit re-wraps them all.</summary>
    private static async Task RewrapSigningKeysAsync(CellDatabase cell, IMasterKeyProvider provider, Counter counter, CancellationToken cancellationToken)
    {
        var current = provider.KeyId;
        List<SigningKey> old;
        await using (var db = cell.CreateReadContext())
        {
            old = await db.SigningKeys.Where(k => k.MasterKeyId != current).ToListAsync(cancellationToken);
        }

        var rewraps = new List<Rewrap>(old.Count);
        foreach (var key in old)
        {
            var context = RegionSigningKeys.WrapContext(cell.Region, key.Purpose, key.Id);
            var privateKey = await provider.UnwrapAsync(key.WrappedPrivateKey, context, cancellationToken);
            try
            {
                var target = provider.KeyId;
                rewraps.Add(new Rewrap(Guid.Empty, key.WrappedPrivateKey, key.MasterKeyId, await provider.WrapAsync(privateKey, context, cancellationToken), target, key.Id));
            }
            finally
            {
                CryptographicOperations.ZeroMemory(privateKey);
            }
        }

        if (rewraps.Count == 0)
        {
            return;
        }

        await cell.Writer.WriteAsync(async (write, ct) =>
        {
            foreach (var r in rewraps)
            {
                await write.SigningKeys
                    .Where(k => k.Id == r.SigningKeyId && k.MasterKeyId == r.OldMasterKeyId && k.WrappedPrivateKey == r.OldWrapped)
                    .ExecuteUpdateAsync(s => s.SetProperty(k => k.WrappedPrivateKey, r.NewWrapped).SetProperty(k => k.MasterKeyId, r.NewMasterKeyId), ct);
            }
        }, cancellationToken);
        counter.Done += rewraps.Count;
        counter.Total = Math.Max(counter.Total, counter.Done);
        counter.Report();
    }

    /// <summary>Re-wraps batch after batch until a scan finds no row under an older version.</summary>
    private async Task RewrapAllAsync(CellDatabase cell, IMasterKeyProvider provider, Counter counter, CancellationToken cancellationToken)
    {
        await RewrapSigningKeysAsync(cell, provider, counter, cancellationToken);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var current = provider.KeyId;
            await using var db = cell.CreateReadContext();
            var batch = await db.WorkspaceKeys
                .Where(k => k.MasterKeyId != current)
                .OrderBy(k => k.Id)
                .Take(BatchSize)
                .Select(k => new { k.Id, k.WorkspaceId, k.Purpose, k.WrappedKey, k.MasterKeyId })
                .ToListAsync(cancellationToken);
            if (batch.Count == 0)
            {
                return;
            }

            var rewraps = new List<Rewrap>(batch.Count);
            foreach (var row in batch)
            {
                // Exactly the context the key was wrapped with, or it would not unwrap later.
                var context = WorkspaceKeyRing.WrapContext(row.WorkspaceId, row.Purpose);
                var dataKey = await provider.UnwrapAsync(row.WrappedKey, context, cancellationToken);
                try
                {
                    // Read before wrapping, like WorkspaceKeyRing: a row may name an older version than it uses, never a newer one.
                    var target = provider.KeyId;
                    rewraps.Add(new Rewrap(row.Id, row.WrappedKey, row.MasterKeyId, await provider.WrapAsync(dataKey, context, cancellationToken), target));
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(dataKey);
                }
            }

            // Each row changes only if it is still what was read: a concurrent change (another
            // rotation, a data-key rotation) wins, and the next scan sees the row as it is now.
            await cell.Writer.WriteAsync(async (write, ct) =>
            {
                foreach (var r in rewraps)
                {
                    await write.WorkspaceKeys
                        .Where(k => k.Id == r.Id && k.MasterKeyId == r.OldMasterKeyId && k.WrappedKey == r.OldWrapped)
                        .ExecuteUpdateAsync(s => s.SetProperty(k => k.WrappedKey, r.NewWrapped).SetProperty(k => k.MasterKeyId, r.NewMasterKeyId), ct);
                }
            }, cancellationToken);
            counter.Done += rewraps.Count;
            counter.Total = Math.Max(counter.Total, counter.Done);
            counter.Report();
        }
    }

    private sealed class Counter(IProgress<Progress>? progress)
    {
        public int Done { get; set; }

        public int Total { get; set; }

        public void Report() => progress?.Report(new Progress(Done, Total));
    }
}
