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

        foreach (var (workspaceId, purposes) in workspaces)
        {
            if (purposes.Contains(WorkspaceKeyPurposes.LookupIndex) && purposes.Contains(WorkspaceKeyPurposes.Data) && purposes.Contains(WorkspaceKeyPurposes.Workforce))
            {
                continue;
            }

            await cell.Writer.WriteAsync(async (db, ct) =>
            {
                // Wrapped inside the unit, after entering the fence: a master-key rotation cannot miss them.
                var retiring = await MasterKeyFences.EnterAsync(db, cell.Region, ct);
                var missing = new List<WorkspaceKey>();
                if (!purposes.Contains(WorkspaceKeyPurposes.LookupIndex))
                {
                    missing.Add((await keyRing.NewLookupIndexKeyAsync(cell.Region, workspaceId, ct)).Stored);
                }

                if (!purposes.Contains(WorkspaceKeyPurposes.Data))
                {
                    missing.Add(await keyRing.NewDataKeyAsync(cell.Region, workspaceId, ct));
                }

                if (!purposes.Contains(WorkspaceKeyPurposes.Workforce))
                {
                    missing.Add((await keyRing.NewWorkforceKeyAsync(cell.Region, workspaceId, ct)).Stored);
                }

                MasterKeyFences.EnsureNotRetiring(retiring, cell.Region, missing.Select(k => k.MasterKeyId));
                db.WorkspaceKeys.AddRange(missing);
            }, cancellationToken);
        }
    }
}
