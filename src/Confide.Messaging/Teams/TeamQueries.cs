using Confide.Data;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Teams;

internal static class TeamQueries
{
    public static async Task<TeamListView> ListAsync(ConfideDbContext db, string workspaceId, CancellationToken ct)
    {
        var teams = await db.Teams.Where(t => t.WorkspaceId == workspaceId).OrderBy(t => t.Name).ToListAsync(ct);
        var members = await MembersAsync(db, workspaceId, teamId: null, ct);
        return new TeamListView([.. teams.Select(t => new TeamView(t.Id, t.Name, [.. members[t.Id]]))]);
    }

    /// <summary>One team of the workspace, or a 404.</summary>
    public static async Task<TeamView> GetAsync(ConfideDbContext db, string workspaceId, string teamId, CancellationToken ct)
    {
        var team = await db.Teams.FirstOrDefaultAsync(t => t.WorkspaceId == workspaceId && t.Id == teamId, ct)
            ?? throw new ConfideException(ConfideError.NotFound("Team"));
        var members = await MembersAsync(db, workspaceId, teamId, ct);
        return new TeamView(team.Id, team.Name, [.. members[team.Id]]);
    }

    /// <summary>The teams each teammate of the workspace belongs to (Intercom's admin <c>team_ids</c>).</summary>
    public static async Task<ILookup<string, string>> TeamsOfTeammatesAsync(ConfideDbContext db, string workspaceId, CancellationToken ct) =>
        (await db.TeamMembers.Where(m => m.WorkspaceId == workspaceId).OrderBy(m => m.TeamId).Select(m => new { m.TeammateId, m.TeamId }).ToListAsync(ct))
            .ToLookup(m => m.TeammateId, m => m.TeamId);

    private static async Task<ILookup<string, string>> MembersAsync(ConfideDbContext db, string workspaceId, string? teamId, CancellationToken ct)
    {
        var members = db.TeamMembers.Where(m => m.WorkspaceId == workspaceId);
        if (teamId is not null)
        {
            members = members.Where(m => m.TeamId == teamId);
        }

        return (await members.OrderBy(m => m.TeammateId).Select(m => new { m.TeamId, m.TeammateId }).ToListAsync(ct))
            .ToLookup(m => m.TeamId, m => m.TeammateId);
    }
}
