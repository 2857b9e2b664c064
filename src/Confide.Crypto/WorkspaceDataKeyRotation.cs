using Confide.Data;
using Confide.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace Confide.Crypto;

/// <summary>
/// Rotates one workspace's data key while servers keep serving: stores a new version, re-wraps
/// every contact key of the workspace under it (the contact keys themselves, and so the data,
/// do not change), then destroys the older versions once no contact key names them. Before its
/// scans it marks the older versions as retiring in the contact key store, which from then on
/// refuses contact keys wrapped under them (ADR 0010).
/// Re-wrapping is idempotent and finds its work by the version each wrapped key names, so
/// running it again after a crash continues where it stopped.
/// </summary>
public sealed class WorkspaceDataKeyRotation(WorkspaceKeyRing workspaceKeys, ContactKeyRing contactKeys, TimeProvider time)
{
    /// <summary>
    /// Wait between storing the new version and fencing off the old ones, longer than
    /// <see cref="WorkspaceKeyRing.CurrentVersionFreshness"/>, so servers wrap under the new
    /// version by then and the fence refuses nothing in the ordinary case.
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
            workspaceKeys.ForgetCurrentDataKey(cell.Region, workspaceId);
            versions = await DataKeyVersionsAsync(cell, workspaceId, cancellationToken);
        }

        var current = await workspaceKeys.DataKeyAsync(cell, workspaceId, versions[0].Id, cancellationToken);
        var oldIds = versions.Skip(1).Select(v => v.Id).ToList();
        var store = await contactKeys.StoreAsync(cell.Region);

        // Servers see the new version within CurrentVersionFreshness: waiting first means they
        // wrap under it, so the fence below refuses none of their new contact keys in the ordinary case.
        await Task.Delay(GracePeriod, time, cancellationToken);

        // From here the store refuses contact keys wrapped under an old version, and every one
        // added before is visible: the scans below find them all (ADR 0010).
        await store.MarkRetiringAsync(oldIds, time.GetUtcNow(), cancellationToken);
        var done = 0;
        var total = 0;
        while (true)
        {
            var stale = (await store.ListAsync(workspaceId, cancellationToken)).Where(k => FieldCipher.KeyIdOf(k.WrappedKey) != current.Id).ToList();
            if (stale.Count == 0)
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
                // A key erased meanwhile is simply not there to update; one changed meanwhile is scanned again.
                await store.ReplaceWrappedAsync(key.KeyId, key.WrappedKey, rewrapped, cancellationToken);
                done++;
                progress?.Report(new Progress(done, total));
            }
        }

        progress?.Report(new Progress(done, total));
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
