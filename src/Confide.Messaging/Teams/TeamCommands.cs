using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Data;
using Confide.Data.Model;
using Confide.Identity;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Teams;

/// <summary>
/// Creates, changes and deletes a workspace's teams, each with its activity-log entry in the
/// same transaction. Members must be teammates of the workspace; names are unique in it.
/// </summary>
internal sealed class TeamCommands(ActivityLog log, TimeProvider time)
{
    public async Task<TeamView> CreateAsync(CellDatabase cell, ApiCaller caller, TeamInput input, CancellationToken cancellationToken)
    {
        var name = ValidName(input.Name ?? throw new ConfideException(ConfideError.ParameterMissing("name")));
        var adminIds = Distinct(input.AdminIds ?? []);
        var team = new Team { Id = PublicIds.NewEntityId(time), WorkspaceId = caller.WorkspaceId, Name = name, CreatedAt = time.GetUtcNow() };
        await cell.Writer.WriteAsync(async (db, ct) =>
        {
            await EnsureNameFreeAsync(db, caller.WorkspaceId, name, exceptTeamId: null, ct);
            await EnsureTeammatesAsync(db, caller.WorkspaceId, adminIds, ct);
            db.Teams.Add(team);
            db.TeamMembers.AddRange(adminIds.Select(id => new TeamMember { WorkspaceId = caller.WorkspaceId, TeamId = team.Id, TeammateId = id }));
            await log.AppendAsync(db, cell, caller.WorkspaceId, new ActivityEvent(
                ActivityTypes.AppTeamCreation, caller.Actor, "A team was created.", new ActivityTarget("team", team.Id),
                Snapshot(name, adminIds)), ct);
        }, cancellationToken);
        return new TeamView(team.Id, name, adminIds);
    }

    /// <summary>Renames the team and/or replaces its members; an entry only when something changed.</summary>
    public async Task<TeamView> ChangeAsync(CellDatabase cell, ApiCaller caller, string teamId, TeamInput input, CancellationToken cancellationToken)
    {
        var newName = input.Name is null ? null : ValidName(input.Name);
        var newAdminIds = input.AdminIds is null ? null : Distinct(input.AdminIds);
        return await cell.Writer.WriteAsync(async (db, ct) =>
        {
            var team = await db.Teams.FirstOrDefaultAsync(t => t.WorkspaceId == caller.WorkspaceId && t.Id == teamId, ct)
                ?? throw new ConfideException(ConfideError.NotFound("Team"));
            var members = await db.TeamMembers.Where(m => m.TeamId == teamId).OrderBy(m => m.TeammateId).ToListAsync(ct);
            var before = Snapshot(team.Name, [.. members.Select(m => m.TeammateId)]);
            var renamed = newName is not null && newName != team.Name;
            var adminIds = newAdminIds ?? [.. members.Select(m => m.TeammateId)];
            var membershipChanged = !adminIds.Order(StringComparer.Ordinal).SequenceEqual(members.Select(m => m.TeammateId), StringComparer.Ordinal);
            if (renamed)
            {
                await EnsureNameFreeAsync(db, caller.WorkspaceId, newName!, exceptTeamId: teamId, ct);
                team.Name = newName!;
            }

            if (membershipChanged)
            {
                await EnsureTeammatesAsync(db, caller.WorkspaceId, adminIds, ct);
                db.TeamMembers.RemoveRange(members.Where(m => !adminIds.Contains(m.TeammateId, StringComparer.Ordinal)));
                db.TeamMembers.AddRange(adminIds.Where(id => !members.Any(m => m.TeammateId == id))
                    .Select(id => new TeamMember { WorkspaceId = caller.WorkspaceId, TeamId = teamId, TeammateId = id }));
            }

            if (renamed || membershipChanged)
            {
                // Intercom records membership changes; a rename alone is Confide's own type.
                var (type, description) = membershipChanged
                    ? (ActivityTypes.AppTeamMembershipModification, "A team's members were changed.")
                    : (ActivityTypes.TeamNameChange, "A team was renamed.");
                await log.AppendAsync(db, cell, caller.WorkspaceId, new ActivityEvent(
                    type, caller.Actor, description, new ActivityTarget("team", teamId),
                    new JsonObject { ["before"] = before, ["after"] = Snapshot(team.Name, adminIds) }), ct);
            }

            return new TeamView(teamId, team.Name, [.. adminIds.Order(StringComparer.Ordinal)]);
        }, cancellationToken);
    }

    /// <summary>Deletes the team with its memberships; its conversations keep their admin assignee and lose the team one.</summary>
    public async Task DeleteAsync(CellDatabase cell, ApiCaller caller, string teamId, CancellationToken cancellationToken) =>
        await cell.Writer.WriteAsync(async (db, ct) =>
        {
            var team = await db.Teams.FirstOrDefaultAsync(t => t.WorkspaceId == caller.WorkspaceId && t.Id == teamId, ct)
                ?? throw new ConfideException(ConfideError.NotFound("Team"));
            var adminIds = await db.TeamMembers.Where(m => m.TeamId == teamId).OrderBy(m => m.TeammateId).Select(m => m.TeammateId).ToListAsync(ct);
            var unassigned = await db.Conversations.Where(c => c.WorkspaceId == caller.WorkspaceId && c.TeamAssigneeId == teamId)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.TeamAssigneeId, (string?)null), ct);
            await db.TeamMembers.Where(m => m.TeamId == teamId).ExecuteDeleteAsync(ct);
            db.Teams.Remove(team);
            var metadata = Snapshot(team.Name, adminIds);
            metadata["conversations_unassigned"] = unassigned;
            await log.AppendAsync(db, cell, caller.WorkspaceId, new ActivityEvent(
                ActivityTypes.AppTeamDeletion, caller.Actor, "A team was deleted; its conversations were left without a team.",
                new ActivityTarget("team", teamId), metadata), ct);
        }, cancellationToken);

    private static string ValidName(string name)
    {
        name = name.Trim();
        return name.Length is > 0 and <= 255 ? name : throw new ConfideException(ConfideError.ParameterInvalid("name must be 1 to 255 characters"));
    }

    private static string[] Distinct(string[] adminIds) =>
        adminIds.Any(string.IsNullOrEmpty)
            ? throw new ConfideException(ConfideError.ParameterInvalid("admin_ids must be admin ids"))
            : [.. adminIds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    private static async Task EnsureNameFreeAsync(ConfideDbContext db, string workspaceId, string name, string? exceptTeamId, CancellationToken ct)
    {
        if (await db.Teams.AnyAsync(t => t.WorkspaceId == workspaceId && t.Name == name && t.Id != exceptTeamId, ct))
        {
            throw new ConfideException(ConfideError.Conflict("The workspace already has a team with that name"));
        }
    }

    /// <summary>Every id must be a teammate of this workspace; another workspace's teammate is as unknown as a made-up id.</summary>
    private static async Task EnsureTeammatesAsync(ConfideDbContext db, string workspaceId, string[] adminIds, CancellationToken ct)
    {
        var known = await db.Teammates.Where(t => t.WorkspaceId == workspaceId && adminIds.Contains(t.Id)).Select(t => t.Id).ToListAsync(ct);
        if (adminIds.FirstOrDefault(id => !known.Contains(id, StringComparer.Ordinal)) is { } unknown)
        {
            throw new ConfideException(ConfideError.ParameterInvalid($"admin_ids: '{unknown}' is not an admin of this workspace"));
        }
    }

    private static JsonObject Snapshot(string name, IEnumerable<string> adminIds) =>
        new() { ["name"] = name, ["admin_ids"] = new JsonArray([.. adminIds.Order(StringComparer.Ordinal).Select(id => (JsonNode?)id)]) };
}
