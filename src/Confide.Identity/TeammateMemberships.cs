using Confide.Data;
using Microsoft.EntityFrameworkCore;

namespace Confide.Identity;

/// <summary>A signed-in account's teammate role in one workspace of the current region.</summary>
public sealed record Membership(string WorkspaceId, string WorkspaceName, string TeammateId, string TeammateName, string Role);

/// <summary>Which workspaces of the request's region a signed-in account belongs to.</summary>
public sealed class TeammateMemberships(CurrentCell cell)
{
    public const string RegionClaim = "confide:region";

    public async Task<IReadOnlyList<Membership>> ForAccountAsync(string accountId, CancellationToken ct)
    {
        await using var db = cell.Database.CreateReadContext();
        return await (
            from t in db.Teammates
            join w in db.Workspaces on t.WorkspaceId equals w.Id
            where t.AccountId == accountId
            orderby w.CreatedAt, w.Id
            select new Membership(w.Id, w.Name, t.Id, t.Name, t.Role))
            .ToListAsync(ct);
    }
}
