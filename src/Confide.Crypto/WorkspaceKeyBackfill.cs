using Confide.Data;
using Confide.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace Confide.Crypto;

/// <summary>
/// Gives every workspace each key a workspace needs (<see cref="WorkspaceKeyPurposes"/>) if it
/// was created before that kind of key existed. Runs at start-up; does nothing once every
/// workspace has its keys.
/// </summary>
public sealed class WorkspaceKeyBackfill(WorkspaceKeyRing keyRing)
{
    public async Task RunAsync(CellDatabase cell, CancellationToken cancellationToken)
    {
        List<(string WorkspaceId, string[] Purposes)> workspaces;
        await using (var db = cell.CreateReadContext())
        {
            var rows = await db.Workspaces
                .Select(w => new { w.Id, Purposes = db.WorkspaceKeys.Where(k => k.WorkspaceId == w.Id).Select(k => k.Purpose).ToArray() })
                .ToListAsync(cancellationToken);
            workspaces = [.. rows.Select(r => (r.Id, r.Purposes))];
        }

        // A workspace lacking no kind of key costs nothing more than this check.
        foreach (var (workspaceId, purposes) in workspaces.Where(w => Purposes.Except(w.Purposes).Any()))
        {
            await cell.Writer.WriteAsync(async (db, ct) =>
            {
                // Wrapped inside the unit, after entering the fence: a master-key rotation cannot miss them.
                db.WorkspaceKeys.AddRange(await MasterKeyFences.WrapInsideAsync(
                    db, cell.Region, () => NewKeysAsync(cell, workspaceId, purposes, ct), keys => keys.Select(k => k.MasterKeyId), ct));
            }, cancellationToken);
        }
    }

    private static readonly string[] Purposes = [WorkspaceKeyPurposes.LookupIndex, WorkspaceKeyPurposes.Data, WorkspaceKeyPurposes.Workforce];

    /// <summary>New keys for the purposes the workspace lacks.</summary>
    private async Task<List<WorkspaceKey>> NewKeysAsync(CellDatabase cell, string workspaceId, string[] existing, CancellationToken ct)
    {
        var missing = new List<WorkspaceKey>();
        if (!existing.Contains(WorkspaceKeyPurposes.LookupIndex))
        {
            missing.Add((await keyRing.NewLookupIndexKeyAsync(cell.Region, workspaceId, ct)).Stored);
        }

        if (!existing.Contains(WorkspaceKeyPurposes.Data))
        {
            missing.Add(await keyRing.NewDataKeyAsync(cell.Region, workspaceId, ct));
        }

        if (!existing.Contains(WorkspaceKeyPurposes.Workforce))
        {
            missing.Add((await keyRing.NewWorkforceKeyAsync(cell.Region, workspaceId, ct)).Stored);
        }

        return missing;
    }
}
