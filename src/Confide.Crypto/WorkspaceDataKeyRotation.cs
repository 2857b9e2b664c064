using Confide.Data;
using Confide.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace Confide.Crypto;

/// <summary>
/// Rotates one workspace's data key while servers keep serving: stores a new version, re-wraps
/// every contact key of the workspace under it (the contact keys themselves, and so the data,
/// do not change), then destroys the older versions once no contact key names them.
/// Re-wrapping is idempotent and finds its work by the version each wrapped key names, so
/// running it again after a crash continues where it stopped.
/// </summary>
public sealed class WorkspaceDataKeyRotation(WorkspaceKeyRing workspaceKeys, ContactKeyRing contactKeys, TimeProvider time)
{
    /// <summary>
    /// Wait before the final scan, longer than <see cref="WorkspaceKeyRing.CurrentVersionFreshness"/>:
    /// a server that wrapped a new contact's key under the old version just before it saw the new
    /// one has stored it by then.
    /// </summary>
    public TimeSpan GracePeriod { get; init; } = WorkspaceKeyRing.CurrentVersionFreshness * 2;

    public readonly record struct Progress(int Done, int Total);

    public sealed record Result(string WorkspaceId, IReadOnlyList<Guid> OldKeyIds, Guid NewKeyId, bool Resumed, int Rewrapped);

    public async Task<Result> RunAsync(CellDatabase cell, string workspaceId, IProgress<Progress>? progress, CancellationToken cancellationToken)
    {
        var versions = await DataKeyVersionsAsync(cell, workspaceId, cancellationToken);
        if (versions.Count == 0)
        {
            throw new InvalidOperationException($"Workspace {workspaceId} does not exist in region '{cell.Region}' or has no data key.");
        }

        // More than one version means an interrupted rotation: finish it instead of starting another.
        var resumed = versions.Count > 1;
        if (!resumed)
        {
            await cell.Writer.WriteAsync(async (db, ct) =>
            {
                // Wrapped inside the unit, after entering the fence: a master-key rotation cannot miss it.
                var next = await MasterKeyFences.WrapInsideAsync(
                    db, cell.Region, () => workspaceKeys.NewDataKeyAsync(cell.Region, workspaceId, ct, versions[0].Version + 1), key => [key.MasterKeyId], ct);
                db.WorkspaceKeys.Add(next);
            }, cancellationToken);
            versions = await DataKeyVersionsAsync(cell, workspaceId, cancellationToken);
        }

        var current = await workspaceKeys.DataKeyAsync(cell, workspaceId, versions[0].Id, cancellationToken);
        var store = await contactKeys.StoreAsync(cell.Region);
        var done = 0;
        var total = 0;
        // Done only when a scan that follows a grace period finds nothing under an old version.
        var afterGrace = false;
        while (true)
        {
            var stale = (await store.ListAsync(workspaceId, cancellationToken)).Where(k => FieldCipher.KeyIdOf(k.WrappedKey) != current.Id).ToList();
            if (stale.Count == 0 && afterGrace)
            {
                break;
            }

            total += stale.Count;
            foreach (var key in stale)
            {
                var context = ContactKeyRing.WrapContext(cell.Region, workspaceId, key.ContactId);
                var old = await workspaceKeys.DataKeyAsync(cell, workspaceId, FieldCipher.KeyIdOf(key.WrappedKey), cancellationToken);
                var material = FieldCipher.Decrypt(old, context, key.WrappedKey);
                var rewrapped = FieldCipher.Encrypt(current, context, material);
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(material);
                // A key erased meanwhile is simply not there to update.
                await store.ReplaceWrappedAsync(key.KeyId, key.WrappedKey, rewrapped, cancellationToken);
                done++;
                progress?.Report(new Progress(done, total));
            }

            // Servers see the new version within CurrentVersionFreshness; wait, then scan again.
            await Task.Delay(GracePeriod, time, cancellationToken);
            afterGrace = true;
        }

        progress?.Report(new Progress(done, total));
        var oldIds = versions.Skip(1).Select(v => v.Id).ToList();
        await cell.Writer.WriteAsync(async (db, ct) =>
        {
            await db.WorkspaceKeys.Where(k => oldIds.Contains(k.Id)).ExecuteDeleteAsync(ct);
        }, cancellationToken);
        foreach (var id in oldIds)
        {
            workspaceKeys.Forget(id);
        }

        return new Result(workspaceId, oldIds, current.Id, resumed, done);
    }

    private static async Task<List<WorkspaceKey>> DataKeyVersionsAsync(CellDatabase cell, string workspaceId, CancellationToken cancellationToken)
    {
        await using var db = cell.CreateReadContext();
        return await db.WorkspaceKeys
            .Where(k => k.WorkspaceId == workspaceId && k.Purpose == WorkspaceKeyPurposes.Data)
            .OrderByDescending(k => k.Version)
            .ToListAsync(cancellationToken);
    }
}
