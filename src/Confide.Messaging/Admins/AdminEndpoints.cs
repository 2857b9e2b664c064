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
    }

    internal sealed record AdminView(string Id, string Name, string Email, bool AwayModeEnabled, IReadOnlyList<string> TeamIds)
    {
        public string Type { get; } = "admin";
        public string? JobTitle { get; }
        public bool AwayModeReassign { get; }
        public bool HasInboxSeat { get; } = true;
        public object? Avatar { get; }
        public bool EmailVerified { get; } = true;

        public static AdminView From(TeammateProfile t, IEnumerable<string> teamIds) => new(t.Id, t.Name, t.Email, t.AwayMode, [.. teamIds]);
    }

    internal sealed record AppView(string IdCode, string Name, string Region, long CreatedAt)
    {
        public string Type { get; } = "app";
        public string Timezone { get; } = "UTC";
        public bool IdentityVerification { get; }
    }

    internal sealed record AdminWithAppView(string Id, string Name, string Email, bool AwayModeEnabled, AppView App)
    {
        public string Type { get; } = "admin";
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
        return TypedResults.Ok(new AdminWithAppView(me.Id, me.Name, me.Email, me.AwayMode, app));
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
}
