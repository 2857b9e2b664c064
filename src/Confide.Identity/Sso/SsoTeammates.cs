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
/// the connection's default role.
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
            await administration.ProvisionAsync(cell, connection.WorkspaceId, email, name, connection.DefaultRole, ActivityActor.SingleSignOn(ip), ct);
        }
        catch (ConfideException e) when (e.Error.Status == HttpStatusCode.Conflict)
        {
            // Either a concurrent sign-in provisioned them first (fine), or the role is gone.
        }

        account = await FindAsync(cell, email, ct);
        return account is not null && await IsTeammateAsync(cell, connection.WorkspaceId, account.Id, ct)
            ? new(account, null)
            : new(account, SsoRefusals.DefaultRoleMissing);
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
}
