using Confide.Data;
using Microsoft.EntityFrameworkCore;

namespace Confide.Crypto;

/// <summary>
/// Gives every workspace created before keyed lookups existed its lookup-index key and
/// recomputes its contacts' lookup keys, in one transaction per workspace. Runs at start-up;
/// does nothing once every workspace has a key.
/// </summary>
public sealed class LookupIndexBackfill(WorkspaceKeyRing keyRing)
{
    public async Task RunAsync(CellDatabase cell, CancellationToken cancellationToken)
    {
        List<string> missing;
        await using (var db = cell.CreateReadContext())
        {
            missing = await db.Workspaces
                .Where(w => !db.WorkspaceKeys.Any(k => k.WorkspaceId == w.Id && k.Purpose == Data.Model.WorkspaceKeyPurposes.LookupIndex))
                .Select(w => w.Id)
                .ToListAsync(cancellationToken);
        }

        foreach (var workspaceId in missing)
        {
            var (stored, keys) = await keyRing.NewLookupIndexKeyAsync(cell.Region, workspaceId, cancellationToken);
            // The key and the recomputed lookups commit together, or neither does.
            await cell.Writer.WriteAsync(async (db, ct) =>
            {
                db.WorkspaceKeys.Add(stored);
                foreach (var contact in await db.Contacts.Where(c => c.WorkspaceId == workspaceId).ToListAsync(ct))
                {
                    contact.EmailLookup = contact.Email is null ? null : keys.Email(contact.Email);
                    contact.ExternalIdLookup = contact.ExternalId is null ? null : keys.ExternalId(contact.ExternalId);
                }
            }, cancellationToken);
        }
    }
}
