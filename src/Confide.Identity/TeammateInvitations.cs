using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Platform;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Confide.Identity;

/// <summary>An invitation as its invitee sees it: which workspace, with which role and name, until when.</summary>
public sealed record PendingInvitation(string TeammateId, string WorkspaceId, string WorkspaceName, string Role, string DisplayName, DateTimeOffset ExpiresAt);

/// <summary>
/// An invitation as the holder of its link sees it: the invitation itself, the invited address,
/// and the account that address already has (null: the holder creates one).
/// </summary>
public sealed record OpenedInvitation(PendingInvitation Invitation, string Email, string? AccountId, bool WorkspaceRequiresSso);

/// <summary>
/// The invitee's side of an invitation (<see cref="TeammateInvitation"/>): they see the
/// invitations addressed to their account and accept or decline them. Accepting joins the account
/// to the workspace (its sign-ins are recorded there and its policies apply from then on) and is
/// the workspace's first news of who the account is. Declining is told to nobody.
/// </summary>
public sealed class TeammateInvitations(WorkspaceKeyRing keys, ActivityLog log, ILookupNormalizer normalizer, TimeProvider time)
{
    /// <summary>The account's invitations that can still be accepted, oldest first.</summary>
    public async Task<IReadOnlyList<PendingInvitation>> PendingForAsync(CellDatabase cell, string accountId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var db = cell.CreateReadContext();
        var rows = await (
            from i in db.TeammateInvitations
            join t in db.Teammates on i.TeammateId equals t.Id
            join w in db.Workspaces on i.WorkspaceId equals w.Id
            // A deleted workspace's invitations lapse with it (their teammates' fields can no longer be opened).
            where i.AccountId == accountId && i.DeclinedAt == null && i.ExpiresAt > now && t.AccountId == null && w.DeletedAt == null
            orderby i.CreatedAt, i.TeammateId
            select new { Invitation = i, Teammate = t, WorkspaceName = w.Name })
            .ToListAsync(ct);
        var pending = new List<PendingInvitation>(rows.Count);
        foreach (var row in rows)
        {
            var workforce = await keys.WorkforceAsync(cell, row.Invitation.WorkspaceId, ct);
            pending.Add(new PendingInvitation(row.Teammate.Id, row.Invitation.WorkspaceId, row.WorkspaceName, row.Teammate.Role,
                workforce.Name(row.Teammate), row.Invitation.ExpiresAt));
        }

        return pending;
    }

    /// <summary>
    /// Joins the account to the inviting workspace. Only the invited account can accept, only
    /// before the invitation expires and unless it declined; anything else is "not found".
    /// </summary>
    public async Task AcceptAsync(CellDatabase cell, string accountId, string teammateId, string? ip, CancellationToken cancellationToken) =>
        await cell.Writer.WriteAsync(async (db, ct) =>
        {
            var (invitation, teammate) = await OpenAsync(db, accountId, teammateId, ct);
            if (await db.Teammates.AnyAsync(t => t.WorkspaceId == invitation.WorkspaceId && t.AccountId == accountId, ct))
            {
                throw new ConfideException(ConfideError.Conflict("You are already a teammate of this workspace"));
            }

            await JoinAsync(db, cell, invitation, teammate, accountId, ip, ct);
        }, cancellationToken);

    private async Task JoinAsync(ConfideDbContext db, CellDatabase cell, TeammateInvitation invitation, Teammate teammate, string accountId, string? ip, CancellationToken ct)
    {
        teammate.AccountId = accountId;
        db.TeammateInvitations.Remove(invitation);
        await log.AppendAsync(db, cell, invitation.WorkspaceId, new ActivityEvent(
            ActivityTypes.AdminInvitationAcceptance, ActivityActor.Teammate(teammate.Id, "web", ip),
            "The invited person accepted the invitation and joined the workspace.",
            new ActivityTarget("admin", teammate.Id), new JsonObject { ["role"] = teammate.Role }), ct);
    }

    /// <summary>
    /// The invitation a mailed link opens, or null when the link is unknown, replaced, expired,
    /// declined or used. The holder reads the invited address's mail, so they may learn whether it
    /// has an account; when it has, the invitation is tied to that account, so it also appears
    /// among the account's invitations once it signs in.
    /// </summary>
    public async Task<OpenedInvitation?> OpenLinkAsync(CellDatabase cell, string token, CancellationToken cancellationToken)
    {
        var tokenHash = InvitationLinks.Hash(token);
        var now = time.GetUtcNow();
        await using var db = cell.CreateReadContext();
        var row = await (
            from i in db.TeammateInvitations
            join t in db.Teammates on i.TeammateId equals t.Id
            join w in db.Workspaces on i.WorkspaceId equals w.Id
            where i.LinkTokenHash == tokenHash && i.DeclinedAt == null && i.ExpiresAt > now && t.AccountId == null && w.DeletedAt == null
            select new { Invitation = i, Teammate = t, WorkspaceName = w.Name, w.RequireSso })
            .AsNoTracking().FirstOrDefaultAsync(cancellationToken);
        if (row is null)
        {
            return null;
        }

        var workforce = await keys.WorkforceAsync(cell, row.Invitation.WorkspaceId, cancellationToken);
        var email = workforce.Email(row.Teammate);
        var normalizedEmail = normalizer.NormalizeEmail(email);
        var accountId = await db.Users.Where(u => u.NormalizedEmail == normalizedEmail).Select(u => u.Id).FirstOrDefaultAsync(cancellationToken);
        if (accountId is not null && row.Invitation.AccountId is null)
        {
            await TieToAccountAsync(cell, row.Invitation.TeammateId, accountId, cancellationToken);
        }

        var invitation = new PendingInvitation(row.Teammate.Id, row.Invitation.WorkspaceId, row.WorkspaceName, row.Teammate.Role,
            workforce.Name(row.Teammate), row.Invitation.ExpiresAt);
        return new OpenedInvitation(invitation, email, accountId, row.RequireSso);
    }

    /// <summary>
    /// Accepts through the link for an address that has no account yet: creates the account (with
    /// <paramref name="passwordHash"/>, or none where the workspace signs in only through single
    /// sign-on) and joins it, in one transaction. The holder proved they read the address's mail.
    /// Answers 409 if an account with the address appeared meanwhile (it signs in and accepts).
    /// </summary>
    public async Task JoinWithNewAccountAsync(CellDatabase cell, string token, Func<TeammateAccount, string?> passwordHash, string? ip, CancellationToken cancellationToken)
    {
        var opened = await OpenLinkAsync(cell, token, cancellationToken) ?? throw new ConfideException(ConfideError.NotFound("Invitation"));
        if (opened.AccountId is not null)
        {
            throw new ConfideException(ConfideError.Conflict("An account with this address exists: sign in to accept"));
        }

        var account = TeammateAccounts.NewWithoutPassword(opened.Email, normalizer);
        account.PasswordHash = passwordHash(account);
        var tokenHash = InvitationLinks.Hash(token);
        await cell.Writer.WriteAsync(async (db, ct) =>
        {
            var invitation = await db.TeammateInvitations.FirstOrDefaultAsync(i => i.LinkTokenHash == tokenHash && i.DeclinedAt == null, ct);
            var teammate = invitation is null ? null : await db.Teammates.FirstOrDefaultAsync(t => t.Id == invitation.TeammateId && t.AccountId == null, ct);
            if (invitation is null || teammate is null || invitation.ExpiresAt <= time.GetUtcNow())
            {
                throw new ConfideException(ConfideError.NotFound("Invitation"));
            }

            if (await db.Users.AnyAsync(u => u.NormalizedEmail == account.NormalizedEmail, ct))
            {
                throw new ConfideException(ConfideError.Conflict("An account with this address exists: sign in to accept"));
            }

            db.Users.Add(account);
            await JoinAsync(db, cell, invitation, teammate, account.Id, ip, ct);
        }, cancellationToken);
    }

    private static async Task TieToAccountAsync(CellDatabase cell, string teammateId, string accountId, CancellationToken cancellationToken)
    {
        try
        {
            await cell.Writer.WriteAsync(async (db, ct) =>
            {
                var invitation = await db.TeammateInvitations.FirstOrDefaultAsync(i => i.TeammateId == teammateId && i.AccountId == null, ct);
                if (invitation is not null && !await db.TeammateInvitations.AnyAsync(i => i.WorkspaceId == invitation.WorkspaceId && i.AccountId == accountId, ct))
                {
                    invitation.AccountId = accountId;
                }
            }, cancellationToken);
        }
        catch (ConfideException e) when (e.Error.Status == System.Net.HttpStatusCode.Conflict)
        {
            // Tied by a concurrent opening of the same link.
        }
    }

    /// <summary>Declines: the invitation disappears for the invitee; the workspace is not told (its teammate stays "added").</summary>
    public async Task DeclineAsync(CellDatabase cell, string accountId, string teammateId, CancellationToken cancellationToken) =>
        await cell.Writer.WriteAsync(async (db, ct) =>
        {
            var (invitation, _) = await OpenAsync(db, accountId, teammateId, ct);
            invitation.DeclinedAt = time.GetUtcNow();
        }, cancellationToken);

    private async Task<(TeammateInvitation Invitation, Teammate Teammate)> OpenAsync(ConfideDbContext db, string accountId, string teammateId, CancellationToken ct)
    {
        var invitation = await db.TeammateInvitations.FirstOrDefaultAsync(i => i.TeammateId == teammateId && i.AccountId == accountId && i.DeclinedAt == null, ct);
        var teammate = invitation is null ? null : await db.Teammates.FirstOrDefaultAsync(t => t.Id == teammateId && t.AccountId == null, ct);
        if (invitation is null || teammate is null || invitation.ExpiresAt <= time.GetUtcNow())
        {
            throw new ConfideException(ConfideError.NotFound("Invitation"));
        }

        return (invitation, teammate);
    }
}
