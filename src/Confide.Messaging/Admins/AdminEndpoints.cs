using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Identity;
using Confide.Identity.Authorization;
using Confide.Messaging.Api;
using Confide.Messaging.Teams;
using Confide.Platform;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Admins;

internal static class AdminEndpoints
{
    public static void MapAdminEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapGet("/me", MeAsync).RequireWorkspaceCaller();
        api.MapGet("/admins", ListAsync).RequirePermission(Permissions.TeammatesRead);
        api.MapGet("/admins/{id}", GetAsync).RequirePermission(Permissions.TeammatesRead);
        // One's own away mode, or (with teammates.manage) a colleague's: ActingAdmin's rule.
        api.MapPut("/admins/{id}/away", SetAwayAsync).RequirePermission(Permissions.TeammatesRead);
    }

    /// <summary>Intercom's admin. Confide keeps no job titles: <c>job_title</c> is the empty string, as the description makes it a required string.</summary>
    internal sealed record AdminView(string Id, string Name, string Email, bool AwayModeEnabled, bool AwayModeReassign, IReadOnlyList<string> TeamIds)
    {
        public string Type { get; } = "admin";
        public string JobTitle { get; } = "";
        public bool HasInboxSeat { get; } = true;
        public object? Avatar { get; }
        public bool EmailVerified { get; } = true;

        public static AdminView From(TeammateProfile t, IEnumerable<string> teamIds) => new(t.Id, t.Name, t.Email, t.AwayMode, t.AwayModeReassign, [.. teamIds]);

        /// <summary>A teammate no longer in the workspace (a note's removed author, say): the id, nothing else known.</summary>
        public static AdminView Removed(string id) => new(id, "", "", false, false, []);
    }

    internal sealed record AwayInput(bool? AwayModeEnabled, bool? AwayModeReassign);

    internal sealed record AppView(string IdCode, string Name, string Region, long CreatedAt)
    {
        public string Type { get; } = "app";
        public string Timezone { get; } = "UTC";
        public bool IdentityVerification { get; }
    }

    internal sealed record AdminWithAppView(string Id, string Name, string Email, bool AwayModeEnabled, bool AwayModeReassign, IReadOnlyList<string> TeamIds, AppView App)
    {
        public string Type { get; } = "admin";
        public string JobTitle { get; } = "";
        public bool EmailVerified { get; } = true;
        public object? Avatar { get; }
        public bool HasInboxSeat { get; } = true;
    }

    internal sealed record AdminListView(IReadOnlyList<AdminView> Admins)
    {
        public string Type { get; } = "admin.list";
    }

    private static async Task<IResult> MeAsync(ApiCaller caller, CurrentCell cell, ContactKeyRing keys, CancellationToken ct)
    {
        await using var db = cell.Database.CreateReadContext();
        var me = TeammateProfile.From(await db.Teammates.FirstAsync(t => t.Id == caller.TeammateId, ct), await keys.WorkspaceKeys.WorkforceAsync(cell.Database, caller.WorkspaceId, ct));
        var workspace = await db.Workspaces.FirstAsync(w => w.Id == caller.WorkspaceId, ct);
        var app = new AppView(workspace.Id, workspace.Name, workspace.Region, Unix.Seconds(workspace.CreatedAt));
        var teams = await TeamQueries.TeamsOfTeammatesAsync(db, caller.WorkspaceId, ct);
        return TypedResults.Ok(new AdminWithAppView(me.Id, me.Name, me.Email, me.AwayMode, me.AwayModeReassign, [.. teams[me.Id]], app));
    }

    private static async Task<IResult> ListAsync(ApiCaller caller, CurrentCell cell, ContactKeyRing keys, CancellationToken ct)
    {
        await using var db = cell.Database.CreateReadContext();
        var teammates = await db.Teammates.Where(t => t.WorkspaceId == caller.WorkspaceId).OrderBy(t => t.Id).ToListAsync(ct);
        var cipher = await keys.WorkspaceKeys.WorkforceAsync(cell.Database, caller.WorkspaceId, ct);
        var teams = await TeamQueries.TeamsOfTeammatesAsync(db, caller.WorkspaceId, ct);
        return TypedResults.Ok(new AdminListView([.. teammates.Select(t => AdminView.From(TeammateProfile.From(t, cipher), teams[t.Id]))]));
    }

    private static async Task<IResult> GetAsync(ApiCaller caller, CurrentCell cell, ContactKeyRing keys, string id, CancellationToken ct)
    {
        await using var db = cell.Database.CreateReadContext();
        var teammate = await db.Teammates.FirstOrDefaultAsync(t => t.WorkspaceId == caller.WorkspaceId && t.Id == id, ct)
            ?? throw new ConfideException(ConfideError.NotFound("Admin"));
        var cipher = await keys.WorkspaceKeys.WorkforceAsync(cell.Database, caller.WorkspaceId, ct);
        var teams = await TeamQueries.TeamsOfTeammatesAsync(db, caller.WorkspaceId, ct);
        return TypedResults.Ok(AdminView.From(TeammateProfile.From(teammate, cipher), teams[teammate.Id]));
    }

    /// <summary>
    /// Intercom's <c>PUT /admins/{id}/away</c>: both flags are required. The caller may set their
    /// own, or a colleague's with <c>teammates.manage</c> (an owner's only as an owner). A change
    /// is recorded as <c>admin_away_mode_change</c>; setting the values already held records nothing.
    /// </summary>
    private static async Task<IResult> SetAwayAsync(ApiCaller caller, CurrentCell cell, ContactKeyRing keys, ActivityLog log, string id, AwayInput input, CancellationToken ct)
    {
        // Who may act for whom first: a refused caller learns nothing about the body or the teammate.
        await ActingAdmin.EnsureAllowedAsync(caller, cell.Database, id, ct);
        var enabled = input.AwayModeEnabled ?? throw new ConfideException(ConfideError.ParameterMissing("away_mode_enabled"));
        var reassign = input.AwayModeReassign ?? throw new ConfideException(ConfideError.ParameterMissing("away_mode_reassign"));
        var teammate = await cell.Database.Writer.WriteAsync(async (db, token) =>
        {
            var row = await db.Teammates.FirstOrDefaultAsync(t => t.WorkspaceId == caller.WorkspaceId && t.Id == id, token)
                ?? throw new ConfideException(ConfideError.NotFound("Admin"));
            if (row.AwayMode == enabled && row.AwayModeReassign == reassign)
            {
                return row;
            }

            var before = new JsonObject { ["away_mode_enabled"] = row.AwayMode, ["away_mode_reassign"] = row.AwayModeReassign };
            row.AwayMode = enabled;
            row.AwayModeReassign = reassign;
            await log.AppendAsync(db, cell.Database, caller.WorkspaceId, new ActivityEvent(
                ActivityTypes.AdminAwayModeChange, caller.Actor, "A teammate's away mode was changed.",
                new ActivityTarget("admin", id),
                new JsonObject { ["before"] = before, ["after"] = new JsonObject { ["away_mode_enabled"] = enabled, ["away_mode_reassign"] = reassign } }), token);
            return row;
        }, ct);
        await using var read = cell.Database.CreateReadContext();
        var cipher = await keys.WorkspaceKeys.WorkforceAsync(cell.Database, caller.WorkspaceId, ct);
        var teams = await TeamQueries.TeamsOfTeammatesAsync(read, caller.WorkspaceId, ct);
        return TypedResults.Ok(AdminView.From(TeammateProfile.From(teammate, cipher), teams[teammate.Id]));
    }
}
