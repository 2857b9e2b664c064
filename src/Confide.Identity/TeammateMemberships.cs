using Confide.Data;
using Microsoft.EntityFrameworkCore;

namespace Confide.Identity;

/// <summary>A signed-in account's teammate role in one workspace of the current region.</summary>
/// <param name="Permissions">What the role allows in this workspace.</param>
/// <param name="TwoFactorRequirement">The workspace's policy (<see cref="Data.Model.TwoFactorRequirements"/>).</param>
/// <param name="IpAllowlist">The workspace's allowed address ranges, or null for anywhere.</param>
/// <param name="RequireSso">Whether the workspace accepts only sessions signed in through its identity provider.</param>
/// <param name="IsBreakGlass">Whether this teammate is the workspace's break-glass owner.</param>
/// <param name="SessionIdleMinutes">The workspace's stricter idle timeout, if it has one.</param>
/// <param name="AllowedSignInMethods">The sign-in methods whose sessions the workspace accepts; null for all.</param>
/// <param name="SessionAbsoluteHours">The workspace's shorter session lifetime, if it has one.</param>
/// <param name="DeletionDueAt">When the workspace's scheduled deletion starts; null when none is scheduled.</param>
public sealed record Membership(
    string WorkspaceId, string WorkspaceName, string TeammateId, string TeammateName, string Role, IReadOnlySet<string> Permissions,
    string TwoFactorRequirement, string? IpAllowlist, bool RequireSso = false, bool IsBreakGlass = false,
    int? SessionIdleMinutes = null, int? SessionAbsoluteHours = null, IReadOnlySet<string>? AllowedSignInMethods = null, DateTimeOffset? DeletionDueAt = null)
{
    public bool RequiresTwoFactor => Authorization.RolePermissions.RequiresTwoFactor(TwoFactorRequirement, Permissions);
}

/// <summary>Which workspaces of the request's region a signed-in account belongs to.</summary>
public sealed class TeammateMemberships(CurrentCell cell, Crypto.WorkspaceKeyRing keys)
{
    public const string RegionClaim = "confide:region";

    public async Task<IReadOnlyList<Membership>> ForAccountAsync(string accountId, CancellationToken ct)
    {
        await using var db = cell.Database.CreateReadContext();
        var rows = await (
            from t in db.Teammates
            join w in db.Workspaces on t.WorkspaceId equals w.Id
            from r in db.WorkspaceRoles.Where(r => r.WorkspaceId == t.WorkspaceId && r.Id == t.Role).DefaultIfEmpty()
            // A deleted workspace is gone for its teammates at once: its pages answer as for any workspace they do not belong to.
            where t.AccountId == accountId && w.DeletedAt == null
            orderby w.CreatedAt, w.Id
            select new { Teammate = t, WorkspaceName = w.Name, w.TwoFactorRequirement, w.IpAllowlist, w.RequireSso, w.BreakGlassTeammateId, w.SessionIdleMinutes, w.SessionAbsoluteHours, w.AllowedSignInMethods, w.DeletionDueAt, RolePermissions = r == null ? null : r.Permissions })
            .ToListAsync(ct);
        var memberships = new List<Membership>(rows.Count);
        foreach (var row in rows)
        {
            var workforce = await keys.WorkforceAsync(cell.Database, row.Teammate.WorkspaceId, ct);
            memberships.Add(new Membership(row.Teammate.WorkspaceId, row.WorkspaceName, row.Teammate.Id, workforce.Name(row.Teammate), row.Teammate.Role,
                Authorization.RolePermissions.Resolve(row.Teammate.Role, row.RolePermissions), row.TwoFactorRequirement, row.IpAllowlist,
                row.RequireSso, row.BreakGlassTeammateId == row.Teammate.Id && row.Teammate.Role == Data.Model.TeammateRoles.Owner,
                row.SessionIdleMinutes, row.SessionAbsoluteHours,
                row.AllowedSignInMethods is null ? null : row.AllowedSignInMethods.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal),
                row.DeletionDueAt));
        }

        return memberships;
    }
}
