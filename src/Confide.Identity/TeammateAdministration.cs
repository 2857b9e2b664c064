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
    IPasswordHasher<TeammateAccount> passwordHasher,
    ILookupNormalizer normalizer,
    TimeProvider time)
{
    /// <summary>How long an invitation to an existing account can be accepted.</summary>
    public static readonly TimeSpan InvitationLifetime = TimeSpan.FromDays(14);

    /// <param name="GeneratedPassword">The first password of an account created by this request; for an address that already had an account, a password that signs nobody in (the answer must not tell the two apart).</param>
    /// <param name="Invited">The address already had an account: the teammate joins when that person accepts. Never shown to the workspace.</param>
    public sealed record Added(string TeammateId, string? GeneratedPassword, bool Invited);

    /// <summary>
    /// Adds the person with <paramref name="email"/> as a teammate: a new address gets an account
    /// with a generated password and joins at once; an address that already has an account gets an
    /// invitation its owner accepts after signing in (<see cref="TeammateInvitations"/>). The two
    /// answer, log and time alike, so adding an address does not tell whether it has an account.
    /// </summary>
    public Task<Added> AddAsync(CellDatabase cell, string workspaceId, string email, string? name, string role, ApiCaller caller, CancellationToken cancellationToken) =>
        AddAsync(cell, workspaceId, email, TeammateDisplayNames.Parse(name), role, caller.Actor, (db, ct) => EnsureAssignableAsync(db, workspaceId, role, caller, ct), withPassword: true, cancellationToken);

    /// <summary>
    /// Just-in-time provisioning on a first single sign-on: adds the account with
    /// <paramref name="email"/> (created without a password when new) with the connection's
    /// default role, which must still exist and may not be owner. An existing account is only
    /// invited: an identity provider vouching for an address does not make its account consent.
    /// A name the provider sent that is not acceptable is left out.
    /// </summary>
    public Task<Added> ProvisionAsync(CellDatabase cell, string workspaceId, string email, string? name, string role, ActivityActor actor, CancellationToken cancellationToken) =>
        AddAsync(cell, workspaceId, email, TeammateDisplayNames.TryParse(name, out var parsed) ? parsed : null, role, actor,
            (db, ct) => EnsureProvisionableAsync(db, workspaceId, role, ct), withPassword: false, cancellationToken);

    private async Task<Added> AddAsync(
        CellDatabase cell, string workspaceId, string email, string? displayName, string role, ActivityActor actor,
        Func<ConfideDbContext, CancellationToken, Task> ensureRole, bool withPassword, CancellationToken cancellationToken)
    {
        email = email.Trim();
        if (!EmailAddress.IsValid(email))
        {
            throw new ConfideException(ConfideError.ParameterInvalid("email is not a valid email address"));
        }

        // Made (and hashed) before looking the address up, whether or not it is used: an existing
        // account costs the same time and gets the same kind of answer as a new one.
        string? password = null;
        TeammateAccount fresh;
        if (withPassword)
        {
            password = TeammateAccounts.GeneratePassword();
            fresh = TeammateAccounts.New(email, password, normalizer, passwordHasher);
        }
        else
        {
            fresh = TeammateAccounts.NewWithoutPassword(email, normalizer);
        }

        var workforce = await keys.WorkforceAsync(cell, workspaceId, cancellationToken);
        var normalizedEmail = fresh.NormalizedEmail;
        return await cell.Writer.WriteAsync(async (db, ct) =>
        {
            await ensureRole(db, ct);
            var existing = await db.Users.FirstOrDefaultAsync(u => u.NormalizedEmail == normalizedEmail, ct);
            if (existing is not null && await IsAddedAsync(db, workspaceId, existing.Id, ct))
            {
                throw new ConfideException(ConfideError.Conflict("That person is already a teammate of this workspace"));
            }

            var teammate = TeammateAccounts.NewTeammate(workspaceId, existing is null ? fresh.Id : null, role, displayName ?? "", email, workforce, time);
            if (existing is null)
            {
                db.Users.Add(fresh);
            }

            db.Teammates.Add(teammate);
            if (existing is not null)
            {
                var now = time.GetUtcNow();
                db.TeammateInvitations.Add(new TeammateInvitation
                {
                    TeammateId = teammate.Id, WorkspaceId = workspaceId, AccountId = existing.Id, CreatedAt = now, ExpiresAt = now + InvitationLifetime,
                });
            }

            // The same entry either way; the acceptance of an invitation has its own.
            await log.AppendAsync(db, cell, workspaceId, new ActivityEvent(
                ActivityTypes.AppAdminJoin, actor, "A teammate was added to the workspace.",
                new ActivityTarget("admin", teammate.Id), new JsonObject { ["role"] = role }), ct);
            return new Added(teammate.Id, password, Invited: existing is not null);
        }, cancellationToken);
    }

    /// <summary>
    /// Whether the account is a teammate of the workspace or has been invited to it (declined and
    /// expired invitations included: the workspace cannot tell those from a teammate who has not
    /// signed in yet).
    /// </summary>
    private static async Task<bool> IsAddedAsync(ConfideDbContext db, string workspaceId, string accountId, CancellationToken ct) =>
        await db.Teammates.AnyAsync(t => t.WorkspaceId == workspaceId && t.AccountId == accountId, ct)
        || await db.TeammateInvitations.AnyAsync(i => i.WorkspaceId == workspaceId && i.AccountId == accountId, ct);

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
