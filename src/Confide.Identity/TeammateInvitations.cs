using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Identity;

/// <summary>An invitation as its invitee sees it: which workspace, with which role and name, until when.</summary>
public sealed record PendingInvitation(string TeammateId, string WorkspaceId, string WorkspaceName, string Role, string DisplayName, DateTimeOffset ExpiresAt);

/// <summary>
/// The invitee's side of an invitation (<see cref="TeammateInvitation"/>): they see the
/// invitations addressed to their account and accept or decline them. Accepting joins the account
/// to the workspace (its sign-ins are recorded there and its policies apply from then on) and is
/// the workspace's first news of who the account is. Declining is told to nobody.
/// </summary>
public sealed class TeammateInvitations(WorkspaceKeyRing keys, ActivityLog log, TimeProvider time)
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
            where i.AccountId == accountId && i.DeclinedAt == null && i.ExpiresAt > now && t.AccountId == null
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

            teammate.AccountId = accountId;
            db.TeammateInvitations.Remove(invitation);
            await log.AppendAsync(db, cell, invitation.WorkspaceId, new ActivityEvent(
                ActivityTypes.AdminInvitationAcceptance, ActivityActor.Teammate(teammate.Id, "web", ip),
                "The invited person accepted the invitation and joined the workspace.",
                new ActivityTarget("admin", teammate.Id), new JsonObject { ["role"] = teammate.Role }), ct);
        }, cancellationToken);

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
