using System.Net;
using Confide.Audit;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Platform;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Confide.Identity.Sso;

/// <summary>
/// Which account an identity provider's verified email signs in, for one workspace: the
/// region's account with that email, if it is a teammate of this very workspace (a membership of
/// another workspace never counts). Anyone else is refused the same way whether or not the address
/// has an account here; with just-in-time provisioning they are invited (a mailed link), because
/// the workspace's identity provider vouching for an address is not that person's consent, and the
/// workspace must not learn from the answer whether the address has an account.
/// </summary>
public sealed class SsoTeammates(TeammateAdministration administration, WorkspaceKeyRing keys, ILookupNormalizer normalizer)
{
    /// <param name="Account">
    /// The account with the email, if any, also on refusals: a refusal is recorded in the
    /// account's own workspaces, never in this one unless it is a teammate here.
    /// </param>
    /// <param name="Refusal">Why the sign-in is refused (<see cref="SsoRefusals"/>), or null.</param>
    public sealed record Resolution(TeammateAccount? Account, string? Refusal);

    public async Task<Resolution> ResolveAsync(CellDatabase cell, SsoConnection connection, string email, string? name, string? ip, CancellationToken ct)
    {
        email = email.Trim();
        if (!EmailAddress.IsValid(email))
        {
            return new(null, SsoRefusals.EmailMissing);
        }

        var account = await FindAsync(cell, email, ct);
        if (!SsoEmailDomains.Allows(connection.AllowedEmailDomains, email))
        {
            return new(account, SsoRefusals.DomainNotAllowed);
        }

        if (account is not null && await IsTeammateAsync(cell, connection.WorkspaceId, account.Id, ct))
        {
            return new(account, null);
        }

        // From here on, the answer must not depend on whether the address has an account.
        if (await IsInvitedAsync(cell, connection.WorkspaceId, email, ct))
        {
            return new(account, SsoRefusals.InvitationPending);
        }

        if (!connection.JustInTimeProvisioning)
        {
            return new(account, SsoRefusals.NotATeammate);
        }

        try
        {
            await administration.ProvisionAsync(cell, connection.WorkspaceId, email, name, connection.DefaultRole, ActivityActor.SingleSignOn(ip), ct);
            return new(account, SsoRefusals.InvitationPending);
        }
        catch (ConfideException e) when (e.Error.Status == HttpStatusCode.Conflict)
        {
            // A concurrent sign-in invited them first, or the default role is gone.
            return await IsInvitedAsync(cell, connection.WorkspaceId, email, ct)
                ? new(account, SsoRefusals.InvitationPending)
                : new(account, SsoRefusals.DefaultRoleMissing);
        }
    }

    private async Task<TeammateAccount?> FindAsync(CellDatabase cell, string email, CancellationToken ct)
    {
        var normalized = normalizer.NormalizeEmail(email);
        await using var db = cell.CreateReadContext();
        return await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.NormalizedEmail == normalized, ct);
    }

    private static async Task<bool> IsTeammateAsync(CellDatabase cell, string workspaceId, string accountId, CancellationToken ct)
    {
        await using var db = cell.CreateReadContext();
        return await db.Teammates.AnyAsync(t => t.WorkspaceId == workspaceId && t.AccountId == accountId, ct);
    }

    /// <summary>Whether the address has an invitation of the workspace (pending, declined or expired alike: the workspace cannot tell).</summary>
    private async Task<bool> IsInvitedAsync(CellDatabase cell, string workspaceId, string email, CancellationToken ct)
    {
        var lookup = (await keys.ForWorkspaceAsync(cell, workspaceId, ct)).Email(email);
        var normalized = normalizer.NormalizeEmail(email);
        await using var db = cell.CreateReadContext();
        return await db.TeammateInvitations.AnyAsync(i => i.WorkspaceId == workspaceId && i.EmailLookup == lookup, ct)
            || await (
                from i in db.TeammateInvitations
                join u in db.Users on i.AccountId equals u.Id
                where i.WorkspaceId == workspaceId && u.NormalizedEmail == normalized
                select i).AnyAsync(ct);
    }
}
