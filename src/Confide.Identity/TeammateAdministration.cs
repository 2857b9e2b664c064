using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Identity.Authorization;
using Confide.Platform;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Confide.Identity;

/// <summary>
/// Adds teammates to a workspace and changes their roles, each with its activity-log entry in
/// the same transaction. A workspace always keeps at least one owner, and only an owner can
/// make another.
/// </summary>
public sealed class TeammateAdministration(
    WorkspaceKeyRing keys,
    ActivityLog log,
    TeammateInvitationMail invitationMail,
    ILookupNormalizer normalizer,
    TimeProvider time)
{
    /// <summary>How long an invitation link can be used.</summary>
    public static readonly TimeSpan InvitationLifetime = TimeSpan.FromDays(14);

    /// <param name="InvitationSent">Whether the invitation mail was handed over (it can be sent again).</param>
    public sealed record Added(string TeammateId, DateTimeOffset InvitationExpiresAt, bool InvitationSent);

    /// <summary>
    /// Adds the person with <paramref name="email"/> as a teammate, which invites them: the
    /// teammate stays pending until the person opens the mailed link and signs in to their account
    /// or creates one. Whether the address already has an account changes nothing the workspace
    /// sees (answer, activity log, time), so adding an address tells nothing about it.
    /// </summary>
    public Task<Added> AddAsync(CellDatabase cell, string workspaceId, string email, string? name, string role, ApiCaller caller, CancellationToken cancellationToken) =>
        AddAsync(cell, workspaceId, email, TeammateDisplayNames.Parse(name), role, caller.Actor, (db, ct) => EnsureAssignableAsync(db, workspaceId, role, caller, ct), cancellationToken);

    /// <summary>
    /// Just-in-time provisioning on a first single sign-on: invites <paramref name="email"/> with
    /// the connection's default role, which must still exist and may not be owner. The identity
    /// provider vouching for an address is not that person's consent, and the workspace must not
    /// learn whether the address has an account: the person finishes through the mailed link.
    /// A name the provider sent that is not acceptable is left out.
    /// </summary>
    public Task<Added> ProvisionAsync(CellDatabase cell, string workspaceId, string email, string? name, string role, ActivityActor actor, CancellationToken cancellationToken) =>
        AddAsync(cell, workspaceId, email, TeammateDisplayNames.TryParse(name, out var parsed) ? parsed : null, role, actor,
            (db, ct) => EnsureProvisionableAsync(db, workspaceId, role, ct), cancellationToken);

    private async Task<Added> AddAsync(
        CellDatabase cell, string workspaceId, string email, string? displayName, string role, ActivityActor actor,
        Func<ConfideDbContext, CancellationToken, Task> ensureRole, CancellationToken cancellationToken)
    {
        email = email.Trim();
        if (!EmailAddress.IsValid(email))
        {
            throw new ConfideException(ConfideError.ParameterInvalid("email is not a valid email address"));
        }

        var workforce = await keys.WorkforceAsync(cell, workspaceId, cancellationToken);
        var emailLookup = (await keys.ForWorkspaceAsync(cell, workspaceId, cancellationToken)).Email(email);
        var normalizedEmail = normalizer.NormalizeEmail(email);
        var (token, tokenHash) = InvitationLinks.New();
        var now = time.GetUtcNow();
        var (teammateId, workspaceName) = await cell.Writer.WriteAsync(async (db, ct) =>
        {
            await ensureRole(db, ct);
            var existing = await db.Users.Where(u => u.NormalizedEmail == normalizedEmail).Select(u => u.Id).FirstOrDefaultAsync(ct);
            if (await IsAddedAsync(db, workspaceId, existing, emailLookup, ct))
            {
                throw new ConfideException(ConfideError.Conflict("That person is already a teammate of this workspace"));
            }

            var teammate = TeammateAccounts.NewTeammate(workspaceId, null, role, displayName ?? "", email, workforce, time);
            db.Teammates.Add(teammate);
            db.TeammateInvitations.Add(new TeammateInvitation
            {
                TeammateId = teammate.Id, WorkspaceId = workspaceId, AccountId = existing, EmailLookup = emailLookup,
                LinkTokenHash = tokenHash, CreatedAt = now, ExpiresAt = now + InvitationLifetime,
            });

            // The same entry either way; the acceptance has its own.
            await log.AppendAsync(db, cell, workspaceId, new ActivityEvent(
                ActivityTypes.AppAdminJoin, actor, "A teammate was invited to the workspace.",
                new ActivityTarget("admin", teammate.Id), new JsonObject { ["role"] = role }), ct);
            var name = await db.Workspaces.Where(w => w.Id == workspaceId).Select(w => w.Name).FirstAsync(ct);
            return (teammate.Id, name);
        }, cancellationToken);

        var sent = await invitationMail.SendAsync(cell, workspaceName, email, role, token, now + InvitationLifetime, cancellationToken);
        return new Added(teammateId, now + InvitationLifetime, sent);
    }

    /// <summary>
    /// Sends a pending teammate's invitation again with a new link (the old one stops working) and
    /// a new expiry. A teammate who has joined cannot be invited again. An invitation the person
    /// declined is not sent again, and the workspace is not told: the answer is the same.
    /// </summary>
    public async Task<Added> ResendInvitationAsync(CellDatabase cell, string workspaceId, string teammateId, CancellationToken cancellationToken)
    {
        var workforce = await keys.WorkforceAsync(cell, workspaceId, cancellationToken);
        var (token, tokenHash) = InvitationLinks.New();
        var now = time.GetUtcNow();
        var resend = await cell.Writer.WriteAsync(async (db, ct) =>
        {
            var teammate = await db.Teammates.FirstOrDefaultAsync(t => t.WorkspaceId == workspaceId && t.Id == teammateId, ct)
                ?? throw new ConfideException(ConfideError.NotFound("Admin"));
            var invitation = await db.TeammateInvitations.FirstOrDefaultAsync(i => i.TeammateId == teammateId, ct);
            if (teammate.AccountId is not null || invitation is null)
            {
                throw new ConfideException(ConfideError.Conflict("That teammate has already joined"));
            }

            invitation.ExpiresAt = now + InvitationLifetime;
            if (invitation.DeclinedAt is not null)
            {
                return null;
            }

            invitation.LinkTokenHash = tokenHash;
            var name = await db.Workspaces.Where(w => w.Id == workspaceId).Select(w => w.Name).FirstAsync(ct);
            return new { Email = workforce.Email(teammate), teammate.Role, WorkspaceName = name };
        }, cancellationToken);

        var sent = resend is null
            || await invitationMail.SendAsync(cell, resend.WorkspaceName, resend.Email, resend.Role, token, now + InvitationLifetime, cancellationToken);
        return new Added(teammateId, now + InvitationLifetime, sent);
    }

    /// <summary>
    /// Whether the address (or its account) is a teammate of the workspace or has been invited to
    /// it (declined and expired invitations included: the workspace cannot tell those from a
    /// teammate who has not joined yet).
    /// </summary>
    private static async Task<bool> IsAddedAsync(ConfideDbContext db, string workspaceId, string? accountId, string emailLookup, CancellationToken ct) =>
        await db.TeammateInvitations.AnyAsync(i => i.WorkspaceId == workspaceId && i.EmailLookup == emailLookup, ct)
        || (accountId is not null
            && (await db.Teammates.AnyAsync(t => t.WorkspaceId == workspaceId && t.AccountId == accountId, ct)
                || await db.TeammateInvitations.AnyAsync(i => i.WorkspaceId == workspaceId && i.AccountId == accountId, ct)));

    public async Task ChangeRoleAsync(CellDatabase cell, string workspaceId, string teammateId, string role, ApiCaller caller, CancellationToken cancellationToken)
    {
        await cell.Writer.WriteAsync(async (db, ct) =>
        {
            await EnsureAssignableAsync(db, workspaceId, role, caller, ct);
            var teammate = await db.Teammates.FirstOrDefaultAsync(t => t.WorkspaceId == workspaceId && t.Id == teammateId, ct)
                ?? throw new ConfideException(ConfideError.NotFound("Admin"));
            var before = teammate.Role;
            if (before == role)
            {
                return;
            }

            if (before == TeammateRoles.Owner)
            {
                if (!caller.IsOwner)
                {
                    throw new ConfideException(ConfideError.Forbidden("Only an owner can change an owner's role"));
                }

                if (await db.Teammates.CountAsync(t => t.WorkspaceId == workspaceId && t.Role == TeammateRoles.Owner, ct) == 1)
                {
                    throw new ConfideException(ConfideError.Conflict("A workspace needs at least one owner; make someone else owner first"));
                }
            }

            teammate.Role = role;
            await log.AppendAsync(db, cell, workspaceId, new ActivityEvent(
                ActivityTypes.AdminPermissionChange, caller.Actor, "A teammate's role was changed.",
                new ActivityTarget("admin", teammate.Id),
                new JsonObject { ["before"] = new JsonObject { ["role"] = before }, ["after"] = new JsonObject { ["role"] = role } }), ct);
        }, cancellationToken);
    }

    /// <summary>
    /// Removes a teammate from the workspace: their API tokens and team memberships go with them
    /// (at once), and conversations assigned to them become unassigned. What they wrote stays,
    /// attributed by id.
    /// </summary>
    public async Task RemoveAsync(CellDatabase cell, string workspaceId, string teammateId, ApiCaller caller, CancellationToken cancellationToken) =>
        await cell.Writer.WriteAsync(async (db, ct) =>
        {
            var teammate = await db.Teammates.FirstOrDefaultAsync(t => t.WorkspaceId == workspaceId && t.Id == teammateId, ct)
                ?? throw new ConfideException(ConfideError.NotFound("Admin"));
            if (teammate.Role == TeammateRoles.Owner)
            {
                if (!caller.IsOwner)
                {
                    throw new ConfideException(ConfideError.Forbidden("Only an owner can remove an owner"));
                }

                if (await db.Teammates.CountAsync(t => t.WorkspaceId == workspaceId && t.Role == TeammateRoles.Owner, ct) == 1)
                {
                    throw new ConfideException(ConfideError.Conflict("A workspace needs at least one owner; make someone else owner first"));
                }
            }

            // The entry is written first: it reads the acting teammate, who may be the one leaving.
            var tokens = await db.ApiTokens.CountAsync(t => t.TeammateId == teammateId, ct);
            var teams = await db.TeamMembers.Where(m => m.TeammateId == teammateId).OrderBy(m => m.TeamId).Select(m => m.TeamId).ToListAsync(ct);
            await log.AppendAsync(db, cell, workspaceId, new ActivityEvent(
                ActivityTypes.AdminDeletion, caller.Actor, "A teammate was removed from the workspace; their API tokens and team memberships were deleted.",
                new ActivityTarget("admin", teammateId),
                new JsonObject { ["role"] = teammate.Role, ["api_tokens_deleted"] = tokens, ["team_ids_left"] = new JsonArray([.. teams.Select(id => (JsonNode?)id)]) }), ct);
            await db.ApiTokens.Where(t => t.TeammateId == teammateId).ExecuteDeleteAsync(ct);
            await db.TeamMembers.Where(m => m.TeammateId == teammateId).ExecuteDeleteAsync(ct);
            await db.Conversations.Where(c => c.WorkspaceId == workspaceId && c.AdminAssigneeId == teammateId)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.AdminAssigneeId, (string?)null), ct);
            await db.TeammateInvitations.Where(i => i.TeammateId == teammateId).ExecuteDeleteAsync(ct);
            db.Teammates.Remove(teammate);
        }, cancellationToken);

    /// <summary>Whether <paramref name="role"/> names a role a workspace may give automatically: a built-in one other than owner, or one of its own.</summary>
    public static async Task<bool> IsProvisionableAsync(ConfideDbContext db, string workspaceId, string role, CancellationToken ct) =>
        BuiltInRoles.IsBuiltIn(role)
            ? role != TeammateRoles.Owner
            : await db.WorkspaceRoles.AnyAsync(r => r.WorkspaceId == workspaceId && r.Id == role, ct);

    private static async Task EnsureProvisionableAsync(ConfideDbContext db, string workspaceId, string role, CancellationToken ct)
    {
        if (!await IsProvisionableAsync(db, workspaceId, role, ct))
        {
            throw new ConfideException(ConfideError.Conflict("The connection's default role no longer exists"));
        }
    }

    /// <summary>
    /// A role can be given if it exists (built in, or one of this workspace's roles) and the
    /// caller holds every permission it carries: nobody hands out more than they have. Only an
    /// owner makes owners.
    /// </summary>
    private static async Task EnsureAssignableAsync(ConfideDbContext db, string workspaceId, string role, ApiCaller caller, CancellationToken ct)
    {
        IReadOnlySet<string> permissions;
        if (BuiltInRoles.IsBuiltIn(role))
        {
            permissions = BuiltInRoles.PermissionsOf(role);
        }
        else
        {
            var custom = await db.WorkspaceRoles.FirstOrDefaultAsync(r => r.WorkspaceId == workspaceId && r.Id == role, ct)
                ?? throw new ConfideException(ConfideError.ParameterInvalid($"role must be one of {string.Join(", ", BuiltInRoles.Names)} or the id of one of this workspace's roles"));
            permissions = RolePermissions.Resolve(role, custom.Permissions);
        }

        if (role == TeammateRoles.Owner && !caller.IsOwner)
        {
            throw new ConfideException(ConfideError.Forbidden("Only an owner can make another owner"));
        }

        if (permissions.FirstOrDefault(p => !caller.Permissions.Contains(p)) is { } beyond)
        {
            throw new ConfideException(ConfideError.Forbidden($"That role carries '{beyond}', which you do not hold"));
        }
    }
}
