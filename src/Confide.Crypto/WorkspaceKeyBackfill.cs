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
            var missing = new List<WorkspaceKey>();
            if (!purposes.Contains(WorkspaceKeyPurposes.LookupIndex))
            {
                missing.Add((await keyRing.NewLookupIndexKeyAsync(cell.Region, workspaceId, cancellationToken)).Stored);
            }

            if (!purposes.Contains(WorkspaceKeyPurposes.Data))
            {
                missing.Add(await keyRing.NewDataKeyAsync(cell.Region, workspaceId, cancellationToken));
            }

            if (!purposes.Contains(WorkspaceKeyPurposes.Workforce))
            {
                missing.Add((await keyRing.NewWorkforceKeyAsync(cell.Region, workspaceId, cancellationToken)).Stored);
            }

            if (missing.Count > 0)
            {
                await cell.Writer.WriteAsync((db, _) =>
                {
                    db.WorkspaceKeys.AddRange(missing);
                    return Task.CompletedTask;
                }, cancellationToken);
            }
        }
    }
}
