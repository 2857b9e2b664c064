using System.Net;
using Confide.Audit;
using Confide.Data;
using Confide.Data.Model;
using Confide.Platform;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Confide.Identity.Sso;

/// <summary>
/// Which account an identity provider's verified email signs in, for one workspace: the
/// region's account with that email, if it is a teammate of this very workspace (a membership of
/// another workspace never counts), or — with just-in-time provisioning — a new teammate with
/// the connection's default role. An account that existed before is never provisioned: it gets an
/// invitation, which its owner accepts after signing in the way they usually do, because the
/// workspace's identity provider vouching for an address is not that person's consent.
/// </summary>
public sealed class SsoTeammates(TeammateAdministration administration, ILookupNormalizer normalizer)
{
    /// <param name="Account">The account, when one has the email (also on most refusals, for the activity log).</param>
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

        if (!connection.JustInTimeProvisioning)
        {
            return new(account, SsoRefusals.NotATeammate);
        }

        try
        {
            if ((await administration.ProvisionAsync(cell, connection.WorkspaceId, email, name, connection.DefaultRole, ActivityActor.SingleSignOn(ip), ct)).Invited)
            {
                return new(account, SsoRefusals.InvitationPending);
            }
        }
        catch (ConfideException e) when (e.Error.Status == HttpStatusCode.Conflict)
        {
            // A concurrent sign-in provisioned them first (fine), the role is gone, or they were already invited.
        }

        account = await FindAsync(cell, email, ct);
        if (account is not null && await IsTeammateAsync(cell, connection.WorkspaceId, account.Id, ct))
        {
            return new(account, null);
        }

        return account is not null && await IsInvitedAsync(cell, connection.WorkspaceId, account.Id, ct)
            ? new(account, SsoRefusals.InvitationPending)
            : new(account, SsoRefusals.DefaultRoleMissing);
    }

    private async Task<TeammateAccount?> FindAsync(CellDatabase cell, string email, CancellationToken ct)
    {
        var normalized = normalizer.NormalizeEmail(email);
        await using var db = cell.CreateReadContext();
        return await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.NormalizedEmail == normalized, ct);
    }

    private static async Task<bool> IsInvitedAsync(CellDatabase cell, string workspaceId, string accountId, CancellationToken ct)
    {
        await using var db = cell.CreateReadContext();
        return await db.TeammateInvitations.AnyAsync(i => i.WorkspaceId == workspaceId && i.AccountId == accountId, ct);
    }

    private static async Task<bool> IsTeammateAsync(CellDatabase cell, string workspaceId, string accountId, CancellationToken ct)
    {
        await using var db = cell.CreateReadContext();
        return await db.Teammates.AnyAsync(t => t.WorkspaceId == workspaceId && t.AccountId == accountId, ct);
    }
}
