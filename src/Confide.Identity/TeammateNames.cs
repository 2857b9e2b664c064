using Confide.Audit;
using Confide.Crypto;
using Confide.Data;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Identity;

/// <summary>A teammate changes their own display name in one workspace (each workspace has its own).</summary>
public sealed class TeammateNames(WorkspaceKeyRing keys, ActivityLog log)
{
    /// <summary>Sets the name (validated by <see cref="TeammateDisplayNames.Parse"/>; blank removes it) and records the change, without the names.</summary>
    public async Task ChangeOwnAsync(CellDatabase cell, string workspaceId, string teammateId, string? name, string? ip, CancellationToken cancellationToken)
    {
        var parsed = TeammateDisplayNames.Parse(name) ?? "";
        var workforce = await keys.WorkforceAsync(cell, workspaceId, cancellationToken);
        var sealedName = workforce.SealName(teammateId, parsed);
        await cell.Writer.WriteAsync(async (db, ct) =>
        {
            var teammate = await db.Teammates.FirstOrDefaultAsync(t => t.WorkspaceId == workspaceId && t.Id == teammateId && t.AccountId != null, ct)
                ?? throw new ConfideException(ConfideError.NotFound("Admin"));
            teammate.EncryptedName = sealedName;
            await log.AppendAsync(db, cell, workspaceId, new ActivityEvent(
                ActivityTypes.AdminNameChange, ActivityActor.Teammate(teammateId, "web", ip), "A teammate changed their display name.",
                new ActivityTarget("admin", teammateId)), ct, workforce);
        }, cancellationToken);
    }
}
